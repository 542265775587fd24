package io.c2cgateway.system;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests that break HTTP or URL rules below the controllers: Tomcat's parser, Spring Security's
 * request firewall and the servlet's parameter decoding answer problem details like the API does.
 * Sent over a raw socket so the encodings reach the server as written.
 */
class MalformedRequestTests extends IntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private RawHttp raw() {
		return new RawHttp(this.port);
	}

	@Test
	void listWhenQueryValueIsNotUtf8AfterDecodingThenBadRequestProblem() {
		for (String target : new String[] { "/api/v1/pairings?limit=%ff", "/api/v1/pairings?status=%ff",
				"/api/v1/pairings?status=PENDING&status=%C3%28", "/api/v1/devices?state=%ff", "/api/v1/devices?limit=%ff",
				"/api/v1/audit-events?limit=%ff", "/api/v1/audit-events?action=%e2%82",
				"/api/v1/pairings?%ff=1" }) {
			RawHttp.Response response = raw().get(target, Api.BOOTSTRAP_KEY);
			assertProblem(response, 400, target);
		}
	}

	@Test
	void listWhenQueryHasBrokenPercentEncodingThenBadRequestProblem() {
		for (String target : new String[] { "/api/v1/pairings?limit=%", "/api/v1/pairings?limit=%zz",
				"/api/v1/pairings?status=%f", "/api/v1/devices?model=%%" }) {
			assertProblem(raw().get(target, Api.BOOTSTRAP_KEY), 400, target);
		}
	}

	@Test
	void pathRejectedByTheRequestFirewallThenBadRequestProblem() {
		for (String target : new String[] { "/api/v1/pairings/%2e%2e", "/api/v1/pairings/%2E%2E/x",
				"/api/v1/pairings/a%2Fb", "/api/v1/pairings/a;b", "/api/v1/pairings/a%5Cb", "/api/v1/pairings//x",
				"/api/v1/devices/%25/revoke" }) {
			for (String key : new String[] { Api.BOOTSTRAP_KEY, null }) {
				assertProblem(raw().get(target, key), 400, target);
			}
		}
	}

	@Test
	void requestTomcatRefusesToParseThenBadRequestProblem() {
		for (String target : new String[] { "/api/v1/pairings/%00", "/api/v1/pairings/a%00b",
				"/api/v1/pairings/a{b", "/api/v1/pairings/a\"b", "/api/v1/pairings?x=a|b" }) {
			assertProblem(raw().get(target, Api.BOOTSTRAP_KEY), 400, target);
		}
	}

	@Test
	void malformedRequestLineThenBadRequestProblem() {
		RawHttp.Response response = raw().send("GET", "/api/v1/pairings x", Map.of(), null);
		assertProblem(response, 400, "request line with a stray token");
		response = raw().send("G(T", "/api/v1/pairings", Map.of(), null);
		assertProblem(response, 400, "method with a forbidden character");
	}

	@Test
	void traceOrAnErrorNoHandlerAnswersThenProblemDetailNotErrorPage() {
		for (String key : new String[] { Api.BOOTSTRAP_KEY, null }) {
			RawHttp.Response response = raw().send("TRACE", "/api/v1/pairings",
					(key != null) ? Map.of("Authorization", "Bearer " + key) : Map.of(), null);
			assertProblem(response, 405, "TRACE");
		}
	}

	@Test
	void putWhenBodyIsABrokenFormThenUnsupportedMediaTypeNotServerError() {
		Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
		byte[] body = "a=%1R&b=%".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		RawHttp.Response anonymous = raw().send("PUT", "/api/v1/device-models/m-form", form, body);
		assertProblem(anonymous, 401, "no key");
		Map<String, String> admin = new java.util.HashMap<>(form);
		admin.put("Authorization", "Bearer " + Api.BOOTSTRAP_KEY);
		RawHttp.Response response = raw().send("PUT", "/api/v1/device-models/m-form", admin, body);
		assertProblem(response, 415, "admin");
		assertThat(admin().get("/api/v1/device-models/m-form").status()).isEqualTo(404);
	}

	private static void assertProblem(RawHttp.Response response, int status, String what) {
		assertThat(response.status()).as(what + ": " + response.body()).isEqualTo(status);
		assertThat(response.contentType()).as(what).startsWith("application/problem+json");
		JsonNode problem = JSON.readTree(response.body());
		assertThat(problem.path("status").asInt()).as(what).isEqualTo(status);
		assertThat(problem.path("code").isString()).as(what + ": " + response.body()).isTrue();
		assertThat(problem.path("type").asString()).as(what).startsWith("urn:c2c-gateway:problem:");
		assertThat(problem.path("detail").isString()).as(what).isTrue();
	}

}
