package io.c2cgateway.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for black-box calls to the running gateway. */
public final class Api {

	public static final String BOOTSTRAP_KEY = "test-bootstrap-admin-key-0123456789abcdef";

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final String base;

	private final String key;

	private Api(String base, String key) {
		this.base = base;
		this.key = key;
	}

	public static Api at(int port) {
		return new Api("http://127.0.0.1:" + port, null);
	}

	public Api as(String key) {
		return new Api(this.base, key);
	}

	public Api asAdmin() {
		return as(BOOTSTRAP_KEY);
	}

	public Response get(String path) {
		return send("GET", path, null, "application/json", Map.of());
	}

	public Response delete(String path) {
		return send("DELETE", path, null, "application/json", Map.of());
	}

	public Response post(String path, String json) {
		return send("POST", path, json, "application/json", Map.of());
	}

	public Response put(String path, String json) {
		return send("PUT", path, json, "application/json", Map.of());
	}

	public Response send(String method, String path, String body, String contentType, Map<String, String> headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody());
		if (body != null && contentType != null) {
			request.header("Content-Type", contentType);
		}
		if (this.key != null) {
			request.header("Authorization", "Bearer " + this.key);
		}
		headers.forEach(request::header);
		try {
			HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.headers().map(), response.body());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Status, headers and body of one answer. */
	public record Response(int status, Map<String, java.util.List<String>> headers, String body) {

		public JsonNode json() {
			return JSON.readTree(this.body);
		}

		public String header(String name) {
			return this.headers.entrySet()
				.stream()
				.filter((entry) -> entry.getKey().equalsIgnoreCase(name))
				.map((entry) -> entry.getValue().get(0))
				.findFirst()
				.orElse(null);
		}

		public String contentType() {
			return header("Content-Type");
		}

		public String code() {
			return json().path("code").asString();
		}

	}

}
