package io.c2cgateway.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document describes every route the gateway's controllers serve. The routes are read
 * from the running application, so a controller added later is covered without touching this test.
 */
class OpenApiDocumentTests extends IntegrationTest {

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	private RequestMappingHandlerMapping mappings;

	@Test
	void documentAndSwaggerUiAnswerWithoutAKey() {
		Api.Response document = this.api.get("/v3/api-docs");
		assertThat(document.status()).isEqualTo(200);
		assertThat(document.contentType()).startsWith("application/json");
		assertThat(document.json().path("openapi").asString()).startsWith("3.");
		assertThat(document.json().path("info").path("title").asString()).isEqualTo("c2c-gateway");
		Api.Response ui = this.api.get("/swagger-ui.html");
		assertThat(ui.status()).as("redirect to the UI").isIn(200, 302);
		Api.Response page = this.api.get("/swagger-ui/index.html");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("swagger-ui");
		assertThat(this.api.get("/v3/api-docs/swagger-config").status()).isEqualTo(200);
	}

	@Test
	void documentListsEveryRouteOfTheGatewaysControllers() {
		List<String> routes = gatewayRoutes();
		assertThat(routes).as("routes found at runtime").contains("POST /api/v1/pairings", "GET /api/v1/pairings/{id}");
		JsonNode paths = this.api.get("/v3/api-docs").json().path("paths");
		List<String> missing = new ArrayList<>();
		for (String route : routes) {
			String method = route.substring(0, route.indexOf(' '));
			String path = route.substring(route.indexOf(' ') + 1);
			if (!paths.path(path).has(method.toLowerCase(Locale.ROOT))) {
				missing.add(route);
			}
		}
		assertThat(missing).as("routes missing from /v3/api-docs").isEmpty();
	}

	@Test
	void theSandboxIsNotPartOfTheDocument() {
		JsonNode paths = this.api.get("/v3/api-docs").json().path("paths");
		assertThat(paths.propertyNames()).isNotEmpty()
			.allSatisfy((path) -> assertThat(path).doesNotStartWith("/sandbox").doesNotStartWith("/v2/auth"));
	}

	@Test
	void everyApiOperationNeedsTheBearerKeyAndDescribesItsProblems() {
		JsonNode document = this.api.get("/v3/api-docs").json();
		JsonNode scheme = document.path("components").path("securitySchemes").path(OpenApiConfiguration.BEARER);
		assertThat(scheme.path("type").asString()).isEqualTo("http");
		assertThat(scheme.path("scheme").asString()).isEqualTo("bearer");
		List<String> operations = new ArrayList<>();
		for (String path : document.path("paths").propertyNames()) {
			if (!path.startsWith("/api/")) {
				continue;
			}
			JsonNode item = document.path("paths").path(path);
			for (String method : item.propertyNames()) {
				JsonNode operation = item.path(method);
				operations.add(method + " " + path);
				assertThat(operation.path("security").findValues(OpenApiConfiguration.BEARER)).as(method + " " + path)
					.isNotEmpty();
				JsonNode unauthorized = operation.path("responses").path("401");
				assertThat(unauthorized.path("content").path("application/problem+json").path("schema").path("$ref")
					.asString()).as(method + " " + path)
					.isEqualTo("#/components/schemas/Problem");
			}
		}
		assertThat(operations).isNotEmpty();
	}

	@Test
	void theProblemSchemaHasTheContractsCodeAndErrors() {
		JsonNode schemas = this.api.get("/v3/api-docs").json().path("components").path("schemas");
		JsonNode problem = schemas.path(OpenApiConfiguration.PROBLEM).path("properties");
		assertThat(problem.propertyNames()).contains("type", "title", "status", "detail", "code", "errors");
		assertThat(problem.path("errors").path("items").path("$ref").asString())
			.isEqualTo("#/components/schemas/" + OpenApiConfiguration.FIELD_PROBLEM);
		assertThat(schemas.path(OpenApiConfiguration.FIELD_PROBLEM).path("properties").propertyNames())
			.containsExactlyInAnyOrder("field", "message");
	}

	/** {@code METHOD /path} of every handler in the gateway's own packages, the sandbox and the console's pages left out. */
	private List<String> gatewayRoutes() {
		Set<String> routes = new TreeSet<>();
		this.mappings.getHandlerMethods().forEach((RequestMappingInfo info, HandlerMethod handler) -> {
			String type = handler.getBeanType().getName();
			if (!type.startsWith("io.c2cgateway.") || type.startsWith("io.c2cgateway.sandbox.")
					|| type.startsWith("io.c2cgateway.console.")) {
				return;
			}
			Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
			assertThat(methods).as("a handler without a method: " + handler).isNotEmpty();
			for (String path : info.getPatternValues()) {
				methods.forEach((method) -> routes.add(method.name() + " " + path));
			}
		});
		return new ArrayList<>(routes);
	}

}
