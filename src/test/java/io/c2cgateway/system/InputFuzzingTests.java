package io.c2cgateway.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input fuzzing of every operation of the OpenAPI document: 10,000 requests generated from a seeded
 * {@link Random} (set {@code -Dfuzz.seed=...} to replay a run; the seed is printed), with mutated
 * path ids, query strings, bodies and headers, as an ADMIN key, a STATION key, no key and junk keys.
 * Every answer is below 500, every 4xx is a problem detail with a {@code code}, and a block of
 * requests that must all be refused changes no row.
 * <p>
 * One exception to "every 4xx is a problem detail", allowed by the contract: a 404 on
 * {@code .../events} for a client that accepts only {@code text/event-stream} may have an empty body.
 * <p>
 * Plain JUnit rather than jqwik properties: the requests need the shared Spring context (port,
 * keys, fixtures), which jqwik's lifecycle does not inject; a printed seed keeps runs reproducible.
 */
class InputFuzzingTests extends IntegrationTest {

	private static final int REFUSED_BLOCK = 3_000;

	private static final int FREE_FUZZ = 7_000;

	private static final int THREADS = 4;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	/** Values that break something in a path segment, a query value or a header. */
	private static final String[] JUNK = { "", "%ff", "%fe%ff", "%c3%28", "%e2%82", "%", "%z", "%zz", "%0", "%00",
			"a%00b", "%2e%2e", "%2E%2E", "..", ".", "%2F", "a%2Fb", "%5C", ";", "a;b=c", "%3B", "%25", "%25ff", "%20",
			"+", "%0d%0a", "%09", "%7f", "%e2%80%ae", "%f0%9f%98%80", "%ef%bf%bf", "%ed%a0%80", "%c0%ae", "null",
			"-1", "0", "2147483648", "99999999999999999999", "1e3", "0x10", "NaN", "true", "[]", "{}", "%7B%7D",
			"PENDING,", ",", "%2C%2C", "pending", "2026-13-45T99:99:99Z", "2026-11-28T10:15:30.123Z", "SN-0042",
			"00000000-0000-0000-0000-000000000000", "not-a-uuid", "%27%20or%201%3D1--", "%3Cscript%3E", "*", "~" };

	private static final String[] METHODS = { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE" };

	private static final String[] ACCEPTS = { null, "application/json", "application/problem+json", "*/*",
			"text/event-stream", "application/xml", "text/html", "garbage", "*/*;q=0", "application/json;q=abc",
			"text/event-stream, application/json;q=0.1", "image/png", "" };

	private static final String[] CONTENT_TYPES = { "application/json", "application/json; charset=utf-8",
			"application/json; charset=latin1", "text/plain", "application/xml", "application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x", "application/problem+json", "garbage", "", "application/json; charset=nope" };

	private final Random random = new Random();

	private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();

	private final Queue findings = new Queue();

	private List<Operation> operations;

	private String station;

	private String model;

	private String pairingId;

	private String throwawayKeyId;

	@BeforeEach
	void fixtures() {
		this.model = newModel();
		this.station = newKey("STATION");
		// Cancelled, so an event stream on it ends at once; owned by the station key, so both roles see it.
		this.pairingId = startPairing(this.station, newDeviceId(), this.model, null).path("id").asString();
		assertThat(this.api.as(this.station).delete("/api/v1/pairings/" + this.pairingId).status()).isEqualTo(200);
		this.throwawayKeyId = admin().post("/api/v1/api-keys", "{\"name\": \"fuzz-throwaway\", \"role\": \"STATION\"}")
			.json()
			.path("id")
			.asString();
		this.operations = operationsOfTheDocument();
	}

	@Test
	void generatedRequestsNeverFailOnTheServerAndEveryRefusalIsAProblemDetail() throws Exception {
		long seed = Long.getLong("fuzz.seed", System.nanoTime());
		System.out.println("InputFuzzingTests seed: " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
		this.random.setSeed(seed);
		assertThat(this.operations).as("operations of /v3/api-docs").hasSizeGreaterThanOrEqualTo(15);

		// Generated up front from the one seeded Random, so a replay sends the same requests.
		List<Fuzzed> refused = new ArrayList<>();
		for (int i = 0; i < REFUSED_BLOCK; i++) {
			refused.add(mustBeRefused(generate()));
		}
		List<Fuzzed> free = new ArrayList<>();
		for (int i = 0; i < FREE_FUZZ; i++) {
			free.add(generate());
		}

		Map<String, Long> before = rowCounts();
		List<Answer> refusedAnswers = sendAll(refused);
		Map<String, Long> after = rowCounts();
		sendAll(free);

		for (Answer answer : refusedAnswers) {
			if (answer.status() < 400) {
				this.findings.add("a request that must be refused answered " + answer.status() + ": " + answer.request());
			}
		}
		System.out.println("InputFuzzingTests sent " + (refused.size() + free.size()) + " requests over "
				+ this.operations.size() + " operations; statuses " + new TreeMap<>(this.statuses));
		assertThat(this.findings.all()).as("findings (seed " + seed + ")").isEmpty();
		assertThat(after).as("rows after %d refused requests (seed %d)", refused.size(), seed).isEqualTo(before);
	}

	// ---- the document -------------------------------------------------------------------------

	private record Operation(String method, String path, List<String> pathParams, List<String> queryParams,
			boolean hasBody) {
	}

	private List<Operation> operationsOfTheDocument() {
		JsonNode paths = this.api.get("/v3/api-docs").json().path("paths");
		List<Operation> found = new ArrayList<>();
		for (String path : paths.propertyNames()) {
			JsonNode item = paths.path(path);
			for (String method : item.propertyNames()) {
				JsonNode operation = item.path(method);
				List<String> pathParams = new ArrayList<>();
				List<String> queryParams = new ArrayList<>();
				for (JsonNode parameter : operation.path("parameters")) {
					("path".equals(parameter.path("in").asString()) ? pathParams : queryParams)
						.add(parameter.path("name").asString());
				}
				if ("delete".equals(method) && path.endsWith("/api-keys/bootstrap")) {
					// Switches off the key every other test signs in with; BootstrapKeyTests covers it.
					continue;
				}
				found.add(new Operation(method.toUpperCase(Locale.ROOT), path, pathParams, queryParams,
						operation.has("requestBody")));
			}
		}
		return found;
	}

	// ---- generation ---------------------------------------------------------------------------

	/** One request as it goes on the wire: target (path and query) verbatim. */
	private record Fuzzed(String method, String target, Map<String, String> headers, byte[] body, String operation,
			boolean readsBody) {

		@Override
		public String toString() {
			String shownBody = (this.body == null) ? "" : " body[" + this.body.length + "]="
					+ new String(this.body, 0, Math.min(120, this.body.length), StandardCharsets.UTF_8);
			return this.method + " " + abbreviate(this.target) + " " + shownHeaders() + shownBody;
		}

		private String shownHeaders() {
			Map<String, String> shown = new LinkedHashMap<>();
			this.headers.forEach((name, value) -> shown.put(name, abbreviate(value)));
			return shown.toString();
		}

	}

	private Fuzzed generate() {
		Operation operation = pick(this.operations);
		String method = chance(5) ? pick(METHODS) : operation.method();
		String path = operation.path();
		for (String parameter : operation.pathParams()) {
			path = path.replace("{" + parameter + "}", pathValue(parameter));
		}
		if (chance(3)) {
			path = path + pick(new String[] { "/", "//", "/x", "/..", "/%2e%2e/", ";jsessionid=1", "%20", "/%00" });
		}
		String target = path + query(operation);
		Map<String, String> headers = new LinkedHashMap<>();
		int caller = this.random.nextInt(10);
		if (caller < 4) {
			headers.put("Authorization", "Bearer " + Api.BOOTSTRAP_KEY);
		}
		else if (caller < 7) {
			headers.put("Authorization", "Bearer " + this.station);
		}
		else if (caller < 9) {
			headers.put("Authorization", junkAuthorization());
		}
		String accept = pick(ACCEPTS);
		if (accept != null && !chance(30)) {
			headers.put("Accept", accept);
		}
		if (chance(25)) {
			headers.put("Idempotency-Key", junkIdempotencyKey());
		}
		if (chance(4)) {
			headers.put(pick(new String[] { "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Origin",
					"Cookie", "Range", "If-None-Match", "Transfer-Encoding-X" }), junkText(40));
		}
		byte[] body = null;
		if (operation.hasBody() || chance(10)) {
			body = body(operation);
			if (body != null) {
				headers.put("Content-Type", chance(80) ? "application/json" : pick(CONTENT_TYPES));
			}
		}
		return new Fuzzed(method, target, headers, body, operation.method() + " " + operation.path(),
				operation.hasBody());
	}

	/** Applies one mutation that no caller may get past, so the request must change nothing. */
	private Fuzzed mustBeRefused(Fuzzed fuzzed) {
		Map<String, String> headers = new LinkedHashMap<>(fuzzed.headers());
		String target = fuzzed.target();
		byte[] body = fuzzed.body();
		boolean adminOnly = !fuzzed.operation().contains("/pairings")
				|| fuzzed.operation().endsWith("/access-token");
		switch (this.random.nextInt(6)) {
			case 0 -> headers.remove("Authorization");
			case 1 -> headers.put("Authorization", junkAuthorization());
			case 2 -> {
				if (adminOnly) {
					headers.put("Authorization", "Bearer " + this.station);
				}
				else {
					headers.remove("Authorization");
				}
			}
			case 3 -> target = target.replaceFirst("^(/api/v1/[^/?]+)", "$1/"
					+ pick(new String[] { "%2e%2e", "%2F", "a;b", "%00", "x%5C", "%2E%2E%2F" }));
			case 4 -> {
				// The key is read on POST only (the contract's "every POST under /api/v1").
				if ("POST".equals(fuzzed.method())) {
					// No non-ASCII value here: the JDK client sends "café" as "caf?", a well-formed key.
					headers.put("Idempotency-Key", pick(new String[] { "", "k".repeat(256), "a\tb" }));
				}
				else {
					headers.put("Authorization", junkAuthorization());
				}
			}
			default -> {
				// A broken JSON body where the operation reads one; a broken key elsewhere.
				if (body != null && fuzzed.readsBody() && fuzzed.operation().startsWith(fuzzed.method() + " ")) {
					body = pick(new String[] { "{", "{\"a\":", "[1,]", "nul", "{\"deviceId\" \"x\"}", "\u0000" })
						.getBytes(StandardCharsets.UTF_8);
					headers.put("Content-Type", "application/json");
					if (headers.containsKey("Idempotency-Key")) {
						headers.remove("Idempotency-Key");
					}
				}
				else {
					headers.put("Authorization", "Bearer c2cg_" + "A".repeat(43));
				}
			}
		}
		return new Fuzzed(fuzzed.method(), target, headers, body, fuzzed.operation(), fuzzed.readsBody());
	}

	private String pathValue(String parameter) {
		int roll = this.random.nextInt(10);
		if (roll < 3) {
			return switch (parameter) {
				case "id" -> this.pairingId;
				case "model" -> this.model;
				case "deviceId" -> newDeviceId();
				default -> (parameter.toLowerCase(Locale.ROOT).contains("key")) ? this.throwawayKeyId : this.pairingId;
			};
		}
		if (roll < 7) {
			return pick(JUNK);
		}
		if (roll < 8) {
			return "a".repeat(1 + this.random.nextInt(chance(20) ? 9000 : 300));
		}
		return encodedText(1 + this.random.nextInt(20));
	}

	private String query(Operation operation) {
		if (!chance(60)) {
			return chance(5) ? pick(new String[] { "?", "?&", "?=", "?==", "?%", "?&&=&" }) : "";
		}
		List<String> names = new ArrayList<>(operation.queryParams());
		names.add(pick(new String[] { "x", "%ff", "limit", "status", "cursor", "limit[]", "a%00" }));
		StringBuilder query = new StringBuilder("?");
		int count = 1 + this.random.nextInt(chance(3) ? 1200 : 5);
		for (int i = 0; i < count; i++) {
			if (query.length() > 1) {
				query.append('&');
			}
			query.append(pick(names)).append('=').append(queryValue());
		}
		return query.toString();
	}

	private String queryValue() {
		int roll = this.random.nextInt(10);
		if (roll < 5) {
			return pick(JUNK);
		}
		if (roll < 6) {
			return "c".repeat(1 + this.random.nextInt(chance(10) ? 10_000 : 200));
		}
		if (roll < 7) {
			return pick(new String[] { "1", "50", "500", "501", "PENDING", "AUTHORIZED,CANCELLED", "PAIRED", "eyJ4IjoxfQ",
					"MjAyNi0xMS0yOFQxMDoxNTozMC4xMjNafA", "%2B" });
		}
		return encodedText(1 + this.random.nextInt(30));
	}

	private byte[] body(Operation operation) {
		String valid = validBody(operation.path());
		int roll = this.random.nextInt(20);
		String body = switch (roll) {
			case 0 -> null;
			case 1 -> "";
			case 2 -> "not json";
			case 3 -> "[".repeat(5_000) + "]".repeat(5_000);
			case 4 -> "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000);
			case 5 -> "{\"items\": [" + (valid + ",").repeat(600) + valid + "]}";
			case 6 -> "\"" + "x".repeat(1024 * 1024 + 10) + "\"";
			case 7 -> valid.substring(0, this.random.nextInt(valid.length()));
			case 8 -> "{\"clientSecret\": \"s\u0000x\", \"name\": \"a\u0000b\", \"deviceId\": \"\u0000\", \"role\": \"ADMIN\"}";
			case 9 -> "{\"deviceId\": \"" + "\uD800" + "\", \"model\": \"" + this.model + "\"}";
			default -> mutateJson(valid);
		};
		if (body == null) {
			return null;
		}
		if (roll == 10) {
			// Not UTF-8 at all.
			byte[] raw = body.getBytes(StandardCharsets.UTF_8);
			raw[this.random.nextInt(Math.max(1, raw.length))] = (byte) 0xFF;
			return raw;
		}
		return body.getBytes(StandardCharsets.UTF_8);
	}

	private String validBody(String path) {
		if (path.endsWith("/batch")) {
			return "{\"items\": [" + validPairing() + "]}";
		}
		if (path.startsWith("/api/v1/pairings")) {
			return validPairing();
		}
		if (path.startsWith("/api/v1/device-models")) {
			return "{\"clientSecret\": \"secret-of-fuzz\", \"scope\": \"asset_create offline\", "
					+ "\"defaultClientVersion\": \"1.0.0\", \"urlPairing\": false}";
		}
		if (path.startsWith("/api/v1/api-keys")) {
			return "{\"name\": \"fuzz-" + this.random.nextInt(1000) + "\", \"role\": \"STATION\"}";
		}
		return "{\"clientVersion\": \"2.2.0\"}";
	}

	private String validPairing() {
		return "{\"deviceId\": \"FZ-" + this.random.nextInt(1_000_000) + "\", \"model\": \"" + this.model
				+ "\", \"clientVersion\": \"2.1.0\", \"urlPairing\": true, \"timeoutSeconds\": 900}";
	}

	/** Removes, retypes or inflates the fields of a valid body. */
	private String mutateJson(String valid) {
		JsonNode tree = JSON.readTree(valid);
		tools.jackson.databind.node.ObjectNode object = (tree.has("items"))
				? (tools.jackson.databind.node.ObjectNode) tree.path("items").get(0)
				: (tools.jackson.databind.node.ObjectNode) tree;
		List<String> fields = new ArrayList<>(object.propertyNames());
		int mutations = 1 + this.random.nextInt(3);
		for (int i = 0; i < mutations; i++) {
			String field = chance(10) ? "unknownField" : pick(fields.toArray(String[]::new));
			switch (this.random.nextInt(9)) {
				case 0 -> object.remove(field);
				case 1 -> object.putNull(field);
				case 2 -> object.put(field, this.random.nextLong());
				case 3 -> object.put(field, 1e308 * 10);
				case 4 -> object.put(field, this.random.nextBoolean());
				case 5 -> object.putArray(field).add("x").add(1);
				case 6 -> object.putObject(field).put("nested", "x");
				case 7 -> object.put(field, junkText(1 + this.random.nextInt(chance(20) ? 70_000 : 300)));
				default -> object.put(field, pick(new String[] { "", " ", "\u0000", "\u202e", "\uFFFF", "ADMIN",
						"DEVICE", "1.0", "v1.0.0", "1.0.0-", "cam X", "-1", "86401", "9", "\ud83d\ude00" }));
			}
		}
		String json = JSON.writeValueAsString(tree);
		if (chance(5)) {
			// Duplicate keys and trailing garbage are not something a serializer writes.
			return chance(50) ? json.replaceFirst("\\{", "{\"model\": 1, ") : json + " trailing";
		}
		return json;
	}

	private String junkAuthorization() {
		return pick(new String[] { "", "Bearer", "Bearer ", "bearer " + Api.BOOTSTRAP_KEY.toUpperCase(Locale.ROOT),
				"Basic YTpi", "Bearer " + "x".repeat(5000), "Bearer c2cg_" + "A".repeat(43), "Bearer \u00e9\u00e8",
				"Bearer " + Api.BOOTSTRAP_KEY + "x", "Bearer a b c", "Digest x", "Bearer\t" + this.station + "x",
				"Bearer dk_" + "0".repeat(40), "Bearer %00" });
	}

	private String junkIdempotencyKey() {
		return pick(new String[] { "", "k", "k".repeat(255), "k".repeat(256), "a\tb", "caf\u00e9", " ", "%00",
				"fuzz-" + this.random.nextInt(50), "\u00ff\u00fe" });
	}

	/** Percent-encoded UTF-8 of random code points, sometimes with a byte broken. */
	private String encodedText(int codePoints) {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < codePoints; i++) {
			int codePoint = switch (this.random.nextInt(4)) {
				case 0 -> 0x20 + this.random.nextInt(0x5F);
				case 1 -> this.random.nextInt(0x20);
				case 2 -> 0x80 + this.random.nextInt(0x800);
				default -> 0x10000 + this.random.nextInt(0x1000);
			};
			for (byte b : new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8)) {
				text.append('%').append(String.format("%02X", b & 0xFF));
			}
		}
		if (chance(20)) {
			text.insert(this.random.nextInt(text.length() + 1), pick(new String[] { "%ff", "%c3", "%", "%g1" }));
		}
		return text.toString();
	}

	private String junkText(int length) {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < length; i++) {
			text.append((char) (0x20 + this.random.nextInt(0x5F)));
		}
		return text.toString();
	}

	private boolean chance(int percent) {
		return this.random.nextInt(100) < percent;
	}

	private <T> T pick(T[] values) {
		return values[this.random.nextInt(values.length)];
	}

	private <T> T pick(List<T> values) {
		return values.get(this.random.nextInt(values.size()));
	}

	// ---- sending and judging ------------------------------------------------------------------

	private record Answer(Fuzzed request, int status) {
	}

	private List<Answer> sendAll(List<Fuzzed> requests) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<Answer>> futures = new ArrayList<>();
			for (Fuzzed request : requests) {
				futures.add(pool.submit(() -> {
					try {
						return judge(request, send(request));
					}
					catch (RuntimeException ex) {
						this.findings.add("no answer (" + ex + ") <- " + request);
						return new Answer(request, -1);
					}
				}));
			}
			List<Answer> answers = new ArrayList<>();
			for (Future<Answer> future : futures) {
				answers.add(future.get());
			}
			return answers;
		}
		finally {
			pool.shutdownNow();
		}
	}

	private record Reply(int status, String contentType, String body) {
	}

	/** Through the shared HTTP client where it takes the request as is; over a raw socket where it would not. */
	private Reply send(Fuzzed request) {
		HttpRequest httpRequest = null;
		try {
			URI uri = new URI("http://127.0.0.1:" + this.port + request.target());
			if (!(uri.getRawPath() + ((uri.getRawQuery() != null) ? "?" + uri.getRawQuery() : ""))
				.equals(request.target().replaceFirst("\\?$", "")) || request.target().endsWith("?")) {
				throw new IllegalArgumentException("the client would not send this target verbatim");
			}
			HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
				.timeout(Duration.ofSeconds(20))
				.method(request.method(), (request.body() != null)
						? HttpRequest.BodyPublishers.ofByteArray(request.body()) : HttpRequest.BodyPublishers.noBody());
			request.headers().forEach(builder::header);
			httpRequest = builder.build();
		}
		catch (java.net.URISyntaxException | IllegalArgumentException ex) {
			httpRequest = null;
		}
		if (httpRequest == null || "HEAD".equals(request.method())) {
			RawHttp.Response response = new RawHttp(this.port).send(request.method(), request.target(),
					request.headers(), request.body());
			return new Reply(response.status(), response.contentType(), response.body());
		}
		try {
			HttpResponse<String> response = HTTP.send(httpRequest, HttpResponse.BodyHandlers.ofString());
			return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
					response.body());
		}
		catch (java.io.IOException ex) {
			// The server may close the connection on a request it refuses while the body is still going out.
			RawHttp.Response response = new RawHttp(this.port).send(request.method(), request.target(),
					request.headers(), request.body());
			return new Reply(response.status(), response.contentType(), response.body());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private Answer judge(Fuzzed request, Reply reply) {
		int status = reply.status();
		this.statuses.computeIfAbsent(Integer.toString(status), (key) -> new AtomicInteger()).incrementAndGet();
		if (status >= 500) {
			this.findings.add(status + " " + abbreviate(reply.body()) + " <- " + request);
		}
		else if (status >= 400 && !"HEAD".equals(request.method())) {
			String problem = problemFault(request, reply);
			if (problem != null) {
				this.findings.add(status + " " + problem + " <- " + request);
			}
		}
		return new Answer(request, status);
	}

	/** Why a 4xx answer is not a problem detail of the contract, or null when it is one. */
	private static String problemFault(Fuzzed request, Reply reply) {
		boolean eventsOnly = request.target().contains("/events")
				&& "text/event-stream".equals(request.headers().get("Accept"));
		if (reply.status() == 404 && eventsOnly && reply.body().isEmpty()) {
			return null;
		}
		if (reply.contentType() == null || !reply.contentType().startsWith("application/problem+json")) {
			return "content type " + reply.contentType() + ": " + abbreviate(reply.body());
		}
		try {
			JsonNode problem = JSON.readTree(reply.body());
			if (!problem.path("code").isString() || problem.path("status").asInt() != reply.status()
					|| !problem.path("type").isString() || !problem.path("title").isString()) {
				return "incomplete problem " + abbreviate(reply.body());
			}
			return null;
		}
		catch (RuntimeException ex) {
			return "not JSON: " + abbreviate(reply.body());
		}
	}

	private Map<String, Long> rowCounts() {
		Map<String, Long> counts = new TreeMap<>();
		Function<String, Long> count = (sql) -> this.jdbc.sql(sql).query(Long.class).single();
		counts.put("pairing", count.apply("select count(*) from pairing"));
		counts.put("pairing.versions", count.apply("select coalesce(sum(version), 0) from pairing"));
		counts.put("device", count.apply("select count(*) from device"));
		counts.put("api_key", count.apply("select count(*) from api_key"));
		counts.put("api_key.revoked", count.apply("select count(*) from api_key where revoked_at is not null"));
		counts.put("device_model", count.apply("select count(*) from device_model"));
		counts.put("audit_event", count.apply("select count(*) from audit_event where action <> 'auth.refused'"));
		return counts;
	}

	private static String abbreviate(String text) {
		if (text == null) {
			return "null";
		}
		return (text.length() <= 160) ? text : text.substring(0, 160) + "...(" + text.length() + " chars)";
	}

	/** Findings from all sending threads, at most 50 kept (the first ones) plus a count. */
	private static final class Queue {

		private final ConcurrentLinkedQueue<String> items = new ConcurrentLinkedQueue<>();

		private final AtomicInteger count = new AtomicInteger();

		void add(String finding) {
			if (this.count.incrementAndGet() <= 50) {
				this.items.add(finding);
			}
		}

		List<String> all() {
			List<String> all = new ArrayList<>(this.items);
			if (this.count.get() > all.size()) {
				all.add("... " + (this.count.get() - all.size()) + " more");
			}
			return all;
		}

	}

}
