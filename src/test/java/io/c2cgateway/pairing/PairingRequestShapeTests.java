package io.c2cgateway.pairing;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import io.c2cgateway.support.ApiSlice;

import static org.hamcrest.Matchers.hasItem;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.never;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Pairing requests the web layer refuses before the service is asked: the body's field rules and
 * the list's filters. The service is a mock that must never be called for them.
 */
class PairingRequestShapeTests extends ApiSlice {

	@Autowired
	private PairingService pairings;

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			{"model": "cam-x"}                                                    | deviceId
			{"deviceId": "SN-1"}                                                  | model
			{"deviceId": "-bad", "model": "cam-x"}                                 | deviceId
			{"deviceId": "SN-1", "model": "cam-x", "clientVersion": "2.1"}         | clientVersion
			{"deviceId": "SN-1", "model": "cam-x", "timeoutSeconds": 9}            | timeoutSeconds
			{"deviceId": "SN-1", "model": "cam-x", "timeoutSeconds": 86401}        | timeoutSeconds
			{"deviceId": "SN-1", "model": "cam-x", "timeoutSeconds": "soon"}       | timeoutSeconds
			{"deviceId": "SN-1", "model": "cam-x", "urlPairing": "yes"}            | urlPairing
			{"deviceId": "SN-1", "model": "Upper Case"}                            | model
			""")
	void startWhenABodyRuleIsBrokenThenValidationFailedNamingTheField(String body, String field) throws Exception {
		this.mvc.perform(post("/api/v1/pairings").header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY))
			.contentType(MediaType.APPLICATION_JSON)
			.content(body))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.code").value("validation_failed"))
			.andExpect(jsonPath("$.type").isNotEmpty())
			.andExpect(jsonPath("$.title").isNotEmpty())
			.andExpect(jsonPath("$.status").value(400))
			.andExpect(jsonPath("$.detail").isNotEmpty())
			.andExpect(jsonPath("$.errors[*].field").value(hasItem(field)));
		then(this.pairings).should(never()).start(any(), any());
	}

	@Test
	void listWithBadFiltersIsValidationFailed() throws Exception {
		for (String query : List.of("limit=0", "limit=501", "limit=ten", "status=WAITING", "createdAfter=yesterday",
				"cursor=!!")) {
			this.mvc.perform(get("/api/v1/pairings?" + query).header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY)))
				.andExpect(status().isBadRequest())
				.andExpect(jsonPath("$.code").value("validation_failed"));
		}
		then(this.pairings).should(never()).list(any(), any());
	}

}
