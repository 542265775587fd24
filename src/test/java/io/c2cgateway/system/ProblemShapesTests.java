package io.c2cgateway.system;

import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.test.web.servlet.ResultActions;

import io.c2cgateway.pairing.PairingService;
import io.c2cgateway.support.ApiSlice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.never;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Every shape of problem detail the API answers, read off the HTTP response (status, JSON fields,
 * headers) so it holds whatever the services throw inside. Web layer only: the pairing service is
 * a mock that must not be reached when the request is refused.
 */
class ProblemShapesTests extends ApiSlice {

	@Autowired
	private PairingService pairings;

	@Test
	void bodyBreakingAFieldRuleIsValidationFailedListingEachField() throws Exception {
		startPairing("{\"deviceId\": \"-bad\", \"model\": \"Upper Case\", \"timeoutSeconds\": 9}")
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.code").value("validation_failed"))
			.andExpect(jsonPath("$.errors[*].field").value(hasItem("deviceId")))
			.andExpect(jsonPath("$.errors[*].field").value(hasItem("model")))
			.andExpect(jsonPath("$.errors[*].field").value(hasItem("timeoutSeconds")))
			.andExpect(jsonPath("$.errors[0].message").isString());
		then(this.pairings).should(never()).start(any(), any());
	}

	@Test
	void valueOfTheWrongJsonTypeIsValidationFailedNamingItsField() throws Exception {
		startPairing("{\"deviceId\": \"SN-1\", \"model\": \"cam\", \"timeoutSeconds\": \"soon\"}")
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.code").value("validation_failed"))
			.andExpect(jsonPath("$.errors[0].field").value("timeoutSeconds"));
	}

	@Test
	void bodyThatIsNotJsonIsMalformedRequest() throws Exception {
		startPairing("{\"deviceId\": ").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.code").value("malformed_request"));
	}

	@Test
	void bodyUnderAnotherMediaTypeIsUnsupportedMediaType() throws Exception {
		assertProblem(this.mvc.perform(post("/api/v1/pairings").header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY))
			.contentType(MediaType.TEXT_PLAIN)
			.content("{\"deviceId\": \"SN-1\", \"model\": \"cam\"}")), 415, "unsupported_media_type");
	}

	@Test
	void wrongMethodOnARouteIsMethodNotAllowed() throws Exception {
		assertProblem(this.mvc.perform(request(org.springframework.http.HttpMethod.PATCH, "/api/v1/pairings")
			.header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY))
			.contentType(MediaType.APPLICATION_JSON)
			.content("{}")), 405, "method_not_allowed");
	}

	@Test
	void pathNoControllerServesIsNotFound() throws Exception {
		assertProblem(this.mvc.perform(get("/api/v1/no-such-thing").header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))),
				404, "not_found");
	}

	@Test
	void bodyOverOneMebibyteIsPayloadTooLarge() throws Exception {
		startPairing("{\"deviceId\": \"" + "x".repeat(1024 * 1024 + 10) + "\"}").andExpect(status().isPayloadTooLarge())
			.andExpect(jsonPath("$.code").value("payload_too_large"));
		then(this.pairings).should(never()).start(any(), any());
	}

	@Test
	void databaseThatCannotBeReachedIsServiceUnavailableWithRetryAfter() throws Exception {
		given(this.pairings.start(any(), any())).willThrow(new CannotGetJdbcConnectionException("no connection",
				new SQLTransientConnectionException("pool exhausted")));
		assertProblem(startPairing("{\"deviceId\": \"SN-1\", \"model\": \"cam\"}"), 503, "database_unavailable")
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "5"));
	}

	@Test
	void unexpectedFailureIsInternalErrorWithoutItsMessage() throws Exception {
		given(this.pairings.start(any(), any())).willThrow(new IllegalStateException("select secret from vault"));
		assertProblem(startPairing("{\"deviceId\": \"SN-1\", \"model\": \"cam\"}"), 500, "internal_error")
			.andExpect(jsonPath("$.detail").value(not(containsString("secret"))));
	}

	@Test
	void refusalWhenAcceptHeaderIsJunkOrNamesNoJsonIsStillAProblemDetail() throws Exception {
		for (String accept : new String[] { "garbage", "application/json;q=abc", "application/xml", "text/html" }) {
			assertProblem(this.mvc.perform(get("/api/v1/pairings?limit=0")
				.header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))
				.header(HttpHeaders.ACCEPT, accept)), 400, "validation_failed");
			assertProblem(this.mvc.perform(request(org.springframework.http.HttpMethod.PATCH, "/api/v1/devices")
				.header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))
				.header(HttpHeaders.ACCEPT, accept)), 405, "method_not_allowed");
			assertProblem(this.mvc.perform(get("/api/v1/no-such-thing")
				.header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))
				.header(HttpHeaders.ACCEPT, accept)), 404, "not_found");
		}
	}

	/** PostgreSQL refuses a NUL in text: such a filter value is a broken rule, refused before any query. */
	@Test
	void listWhenFilterValueHoldsControlCharacterThenValidationFailed() throws Exception {
		for (String target : new String[] { "/api/v1/pairings?model={v}", "/api/v1/pairings?deviceId={v}",
				"/api/v1/devices?model={v}", "/api/v1/audit-events?subjectId={v}", "/api/v1/audit-events?action={v}" }) {
			assertProblem(this.mvc.perform(get(target, "a\u0000b").header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))),
					400, "validation_failed");
		}
		then(this.pairings).should(never()).list(any(), any());
	}

	@Test
	void missingKeyIsUnauthorizedWithABearerChallenge() throws Exception {
		assertProblem(this.mvc.perform(get("/api/v1/pairings")), 401, "unauthorized")
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
	}

	@Test
	void keyOfTheWrongRoleIsForbidden() throws Exception {
		assertProblem(this.mvc.perform(get("/api/v1/device-models").header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY))),
				403, "forbidden");
	}

	private ResultActions startPairing(String body) throws Exception {
		return this.mvc.perform(post("/api/v1/pairings").header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY))
			.contentType(MediaType.APPLICATION_JSON)
			.content(body));
	}

	/** The contract's problem detail: its media type and type, title, status, detail and code. */
	private static ResultActions assertProblem(ResultActions result, int status, String code) throws Exception {
		result.andExpect(status().is(status))
			.andExpect(header().string(HttpHeaders.CONTENT_TYPE, containsString("application/problem+json")))
			.andExpect(jsonPath("$.status").value(status))
			.andExpect(jsonPath("$.code").value(code))
			.andExpect(jsonPath("$.type").value("urn:c2c-gateway:problem:" + code))
			.andExpect(jsonPath("$.title").isString())
			.andExpect(jsonPath("$.detail").isString());
		assertThat(result.andReturn().getResponse().getContentAsString()).doesNotContain("vault");
		return result;
	}

}
