package io.c2cgateway.system;

import java.util.List;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * The OpenAPI document ({@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}): springdoc
 * derives the operations from the controllers; this adds what it cannot see there, namely that
 * every {@code /api/**} call needs a bearer key and how failures look (the contract's problem
 * details with {@code code} and {@code errors}).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	static final String BEARER = "bearerKey";

	static final String PROBLEM = "Problem";

	static final String FIELD_PROBLEM = "FieldProblem";

	private static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

	@Bean
	OpenAPI gatewayOpenApi(@Value("${spring.application.version:}") String version) {
		return new OpenAPI()
			.info(new Info().title("c2c-gateway")
				.version(StringUtils.hasText(version) ? version : "v1")
				.description("Brokers Frame.io Camera to Cloud device pairing for factory stations, "
						+ "admin tooling and devices. Every /api call needs `Authorization: Bearer <key>`: an "
						+ "ADMIN or STATION API key, or a device key."))
			.components(new Components()
				.addSecuritySchemes(BEARER,
						new SecurityScheme().type(SecurityScheme.Type.HTTP)
							.scheme("bearer")
							.description("An API key (ADMIN, STATION) or a device key (DEVICE), sent as is")));
	}

	@Bean
	OpenApiCustomizer apiKeysAndProblems() {
		return (openApi) -> {
			// Added here, not with the bean above: springdoc drops schemas nothing refers to before customizers run.
			openApi.getComponents().addSchemas(PROBLEM, problemSchema()).addSchemas(FIELD_PROBLEM, fieldProblemSchema());
			if (openApi.getPaths() == null) {
				return;
			}
			openApi.getPaths().forEach((path, item) -> {
				if (path.startsWith("/api/")) {
					item.readOperations().forEach(OpenApiConfiguration::secureWithProblems);
				}
			});
		};
	}

	private static void secureWithProblems(Operation operation) {
		operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
		ApiResponses responses = (operation.getResponses() != null) ? operation.getResponses() : new ApiResponses();
		boolean hasBody = operation.getRequestBody() != null;
		boolean hasPathIds = operation.getParameters() != null
				&& operation.getParameters().stream().map(Parameter::getIn).anyMatch("path"::equals);
		boolean hasQuery = operation.getParameters() != null
				&& operation.getParameters().stream().map(Parameter::getIn).anyMatch("query"::equals);
		if (hasBody || hasQuery) {
			responses.putIfAbsent("400", problem("malformed_request, validation_failed (with errors)"));
		}
		responses.putIfAbsent("401", problem("unauthorized: a missing, unknown, revoked or malformed key"));
		responses.putIfAbsent("403", problem("forbidden: the key's role may not do this"));
		if (hasPathIds) {
			responses.putIfAbsent("404", problem("not_found: no such object, or one the caller may not see"));
		}
		if (hasBody) {
			responses.putIfAbsent("413", problem("payload_too_large: a body over 1 MiB"));
			responses.putIfAbsent("415", problem("unsupported_media_type: a body that is not application/json"));
		}
		responses.putIfAbsent("default", problem("Any other failure; `code` names it"));
		// Failures a controller declares by status alone are problem details too.
		responses.forEach((status, response) -> {
			if ((status.startsWith("4") || status.startsWith("5")) && response.getContent() == null) {
				response.setContent(problem(response.getDescription()).getContent());
			}
		});
		operation.setResponses(responses);
	}

	private static ApiResponse problem(String description) {
		return new ApiResponse().description(description)
			.content(new Content().addMediaType(PROBLEM_JSON,
					new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
	}

	private static Schema<?> problemSchema() {
		Schema<?> schema = new ObjectSchema().description("RFC 9457 problem details with the gateway's stable code")
			.addProperty("type", new StringSchema().format("uri").example("urn:c2c-gateway:problem:validation_failed"))
			.addProperty("title", new StringSchema().example("Bad Request"))
			.addProperty("status", new IntegerSchema().example(400))
			.addProperty("detail", new StringSchema())
			.addProperty("instance", new StringSchema().format("uri"))
			.addProperty("code", new StringSchema().description("Stable machine code, e.g. validation_failed")
				.example("validation_failed"))
			.addProperty("errors", new ArraySchema().description("Present for validation_failed")
				.items(new Schema<>().$ref("#/components/schemas/" + FIELD_PROBLEM)))
			.addProperty("upstreamError", new StringSchema().description("Frame.io's error code, for upstream_error"));
		schema.setRequired(List.of("type", "title", "status", "detail", "code"));
		schema.setAdditionalProperties(Boolean.TRUE);
		return schema;
	}

	private static Schema<?> fieldProblemSchema() {
		Schema<?> schema = new ObjectSchema().description("One broken rule of a request")
			.addProperty("field", new StringSchema().example("deviceId"))
			.addProperty("message", new StringSchema().example("must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"));
		schema.setRequired(List.of("field", "message"));
		return schema;
	}

}
