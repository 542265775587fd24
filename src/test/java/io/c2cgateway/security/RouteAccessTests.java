package io.c2cgateway.security;

import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import io.c2cgateway.support.ApiSlice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
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
 * Which role may call which route, decided by the security filter chain before any service runs:
 * 401 without a usable key, 403 for a key of another role. Web layer only, keys stand in through
 * a mocked key service; what a permitted caller then sees of its own and foreign objects needs the
 * database and stays in {@link AuthorizationMatrixTests}.
 */
class RouteAccessTests extends ApiSlice {

	private static final Set<Role> ADMIN = Set.of(Role.ADMIN);

	private static final Set<Role> STATION = Set.of(Role.ADMIN, Role.STATION);

	private static final Set<Role> DEVICE = Set.of(Role.ADMIN, Role.DEVICE);

	/** Every API route of the contract and the roles that get past the filter chain. */
	private static final Map<String, Set<Role>> ROUTES = Map.ofEntries(
			Map.entry("GET /api/v1/pairings", STATION), Map.entry("POST /api/v1/pairings", STATION),
			Map.entry("POST /api/v1/pairings/batch", STATION),
			Map.entry("GET /api/v1/pairings/6f1c2a4e-0000-4000-8000-000000000001", STATION),
			Map.entry("DELETE /api/v1/pairings/6f1c2a4e-0000-4000-8000-000000000001", STATION),
			Map.entry("GET /api/v1/pairings/6f1c2a4e-0000-4000-8000-000000000001/events", STATION),
			Map.entry("POST /api/v1/pairings/6f1c2a4e-0000-4000-8000-000000000001/device-key", STATION),
			Map.entry("POST /api/v1/devices/SN-OWN-0001/access-token", DEVICE),
			Map.entry("GET /api/v1/devices", ADMIN), Map.entry("GET /api/v1/devices/SN-OWN-0001", ADMIN),
			Map.entry("POST /api/v1/devices/SN-OWN-0001/revoke", ADMIN),
			Map.entry("POST /api/v1/devices/SN-OWN-0001/device-key", ADMIN),
			Map.entry("GET /api/v1/device-models", ADMIN), Map.entry("GET /api/v1/device-models/cam-x", ADMIN),
			Map.entry("PUT /api/v1/device-models/cam-x", ADMIN), Map.entry("DELETE /api/v1/device-models/cam-x", ADMIN),
			Map.entry("GET /api/v1/api-keys", ADMIN), Map.entry("POST /api/v1/api-keys", ADMIN),
			Map.entry("DELETE /api/v1/api-keys/6f1c2a4e-0000-4000-8000-000000000002", ADMIN),
			Map.entry("DELETE /api/v1/api-keys/bootstrap", ADMIN), Map.entry("GET /api/v1/audit-events", ADMIN),
			Map.entry("GET /api/v1/stats", ADMIN), Map.entry("GET /api/v1/webhooks", ADMIN),
			Map.entry("POST /api/v1/webhooks", ADMIN),
			Map.entry("GET /api/v1/webhooks/6f1c2a4e-0000-4000-8000-000000000003", ADMIN),
			Map.entry("DELETE /api/v1/webhooks/6f1c2a4e-0000-4000-8000-000000000003", ADMIN),
			Map.entry("POST /api/v1/webhooks/6f1c2a4e-0000-4000-8000-000000000003/rotate-secret", ADMIN),
			Map.entry("GET /api/v1/webhooks/6f1c2a4e-0000-4000-8000-000000000003/deliveries", ADMIN));

	@Autowired
	private ApiKeyService keyService;

	@Test
	void everyRouteRefusesCallersWithoutAUsableKeyAndKeysOfAnotherRole() throws Exception {
		String basic = "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes());
		Map<String, String> unusable = Map.of("none", "", "malformed", bearer("not a key at all"), "unknown",
				bearer("c2cg_" + "A".repeat(43)), "basic", basic);
		Map<Role, String> keys = Map.of(Role.ADMIN, ADMIN_KEY, Role.STATION, STATION_KEY, Role.DEVICE, DEVICE_KEY);
		List<String> wrong = new ArrayList<>();
		for (Map.Entry<String, Set<Role>> route : ROUTES.entrySet()) {
			for (Map.Entry<String, String> caller : unusable.entrySet()) {
				MockHttpServletResponse response = send(route.getKey(), caller.getValue());
				expect(wrong, route.getKey() + " with " + caller.getKey() + " key", response, 401, "unauthorized");
			}
			for (Role role : Role.values()) {
				MockHttpServletResponse response = send(route.getKey(), bearer(keys.get(role)));
				String cell = route.getKey() + " as " + role;
				if (route.getValue().contains(role)) {
					if (response.getStatus() == 401 || response.getStatus() == 403) {
						wrong.add(cell + ": refused with " + response.getStatus());
					}
				}
				else {
					expect(wrong, cell, response, 403, "forbidden");
				}
			}
		}
		assertThat(wrong).as("routes answering otherwise than the contract").isEmpty();
	}

	/** The contract's 404 for a path no controller serves, whatever the key; 401 without one. */
	@Test
	void apiPathNoControllerServesIsNotFoundForEveryRoleAndUnauthorizedWithoutAKey() throws Exception {
		for (String key : new String[] { ADMIN_KEY, STATION_KEY, DEVICE_KEY }) {
			for (String path : new String[] { "/api/v1/not-yet-an-endpoint", "/api/v2/pairings", "/api/internal" }) {
				this.mvc.perform(get(path).header(HttpHeaders.AUTHORIZATION, bearer(key)))
					.andExpect(status().isNotFound())
					.andExpect(jsonPath("$.code").value("not_found"));
			}
		}
		this.mvc.perform(get("/api/v1/not-yet-an-endpoint")).andExpect(status().isUnauthorized());
	}

	@Test
	void keyThatCannotBeCheckedForADeadDatabaseIsServiceUnavailableNotUnauthorized() throws Exception {
		given(this.keyService.authenticate(anyString())).willThrow(new CannotGetJdbcConnectionException("down",
				new SQLTransientConnectionException("pool exhausted")));
		this.mvc.perform(get("/api/v1/pairings").header(HttpHeaders.AUTHORIZATION, bearer(STATION_KEY)))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "5"))
			.andExpect(jsonPath("$.code").value("database_unavailable"));
	}

	@Test
	void apiKeyRequestBreakingARuleIsValidationFailedAndReachesNoService() throws Exception {
		for (String body : new String[] { "{}", "{\"name\": \"x\"}", "{\"name\": \"x\", \"role\": \"ROOT\"}",
				"{\"name\": \"x\", \"role\": \"DEVICE\"}", "{\"name\": \"\", \"role\": \"ADMIN\"}",
				"{\"name\": \"" + "n".repeat(101) + "\", \"role\": \"ADMIN\"}" }) {
			this.mvc.perform(post("/api/v1/api-keys").header(HttpHeaders.AUTHORIZATION, bearer(ADMIN_KEY))
				.contentType(MediaType.APPLICATION_JSON)
				.content(body))
				.andExpect(status().isBadRequest())
				.andExpect(jsonPath("$.code").value("validation_failed"))
				.andExpect(jsonPath("$.errors[0].field").isString());
		}
		then(this.keyService).should(never()).create(anyString(), any(), any());
	}

	private MockHttpServletResponse send(String route, String authorization) throws Exception {
		String[] parts = route.split(" ", 2);
		MockHttpServletRequestBuilder request = request(HttpMethod.valueOf(parts[0]), parts[1])
			.contentType(MediaType.APPLICATION_JSON)
			.content("{}");
		if (!authorization.isEmpty()) {
			request.header(HttpHeaders.AUTHORIZATION, authorization);
		}
		return this.mvc.perform(request).andReturn().getResponse();
	}

	private static void expect(List<String> wrong, String cell, MockHttpServletResponse response, int status,
			String code) throws Exception {
		if (response.getStatus() != status) {
			wrong.add(cell + ": " + response.getStatus() + " instead of " + status);
		}
		else if (!response.getContentAsString().contains("\"code\":\"" + code + "\"")) {
			wrong.add(cell + ": " + status + " without code " + code + ": " + response.getContentAsString());
		}
	}

}
