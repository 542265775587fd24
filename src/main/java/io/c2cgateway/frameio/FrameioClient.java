package io.c2cgateway.frameio;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.system.InvalidConfigurationException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Frame.io's three auth endpoints, and {@code /v2/devices/me}, over one sized Reactor Netty pool.
 * Every call sends the device's {@code x-client-version}; client authentication is
 * {@code client_id}/{@code client_secret} form fields (the device endpoint takes the device's access
 * token instead). Answers are classified into {@link Upstream}; nothing here throws for an upstream
 * failure.
 */
@Component
public class FrameioClient {

	private static final Logger log = LoggerFactory.getLogger(FrameioClient.class);

	static final String DEVICE_CODE_PATH = "/v2/auth/device/code";

	static final String TOKEN_PATH = "/v2/auth/token";

	static final String REVOKE_PATH = "/v2/auth/revoke";

	static final String DEVICES_ME_PATH = "/v2/devices/me";

	static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

	private final WebClient web;

	private final FrameioProperties properties;

	private final Environment environment;

	private final JsonMapper json;

	private final MeterRegistry meters;

	private final RateBudget budget;

	private volatile String resolvedBaseUrl;

	private final java.util.concurrent.ConcurrentMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

	/** A client alone, its rate-limit pauses kept in memory: for tests against a stand-in server. */
	FrameioClient(WebClient.Builder builder, FrameioProperties properties, Environment environment, JsonMapper json,
			MeterRegistry meters) {
		this(builder, properties, environment, json, meters, RateBudget.local(Clock.systemUTC(), meters));
	}

	@Autowired
	FrameioClient(WebClient.Builder builder, FrameioProperties properties, Environment environment, JsonMapper json,
			MeterRegistry meters, RateBudget budget) {
		requireHttps(properties, environment);
		this.budget = budget;
		this.properties = properties;
		this.environment = environment;
		this.json = json;
		this.meters = meters;
		ConnectionProvider pool = ConnectionProvider.builder("frameio")
			.maxConnections(properties.maxConnections())
			.pendingAcquireMaxCount(properties.pendingAcquireMaxCount())
			.pendingAcquireTimeout(properties.pendingAcquireTimeout())
			.maxIdleTime(properties.maxIdleTime())
			.evictInBackground(Duration.ofSeconds(30))
			.build();
		HttpClient http = HttpClient.create(pool)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
			.responseTimeout(properties.timeout());
		// Without the builder's observation: every call is timed once, as gateway.frameio.requests
		// below; the default http.client.requests observation timed it again at about a tenth of the
		// poll engine's CPU (docs/benchmarks.md, "Poll engine: 50,000 pending pairings").
		this.web = builder.clone()
			.observationRegistry(ObservationRegistry.NOOP)
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

	/**
	 * Every request carries a client secret and most carry tokens: plain http only where the
	 * upstream is the built-in simulator or a test's stand-in, or where someone allowed it by name.
	 */
	private static void requireHttps(FrameioProperties properties, Environment environment) {
		String url = properties.baseUrl();
		if (url != null && url.regionMatches(true, 0, "https://", 0, 8)) {
			return;
		}
		if (properties.allowInsecureBaseUrl() || environment.matchesProfiles("sandbox | test")) {
			return;
		}
		throw new InvalidConfigurationException("GATEWAY_FRAMEIO_BASE_URL must be an https:// URL: client secrets and "
				+ "tokens travel in every request (set GATEWAY_FRAMEIO_ALLOW_INSECURE_BASE_URL=true to allow plain http, "
				+ "e.g. for a stand-in on the same host)");
	}

	public Mono<Upstream<DeviceCode>> requestDeviceCode(ClientCredentials client, String scope, boolean urlPairing) {
		MultiValueMap<String, String> form = credentials(client);
		form.add("scope", scope);
		return call("device_code", DEVICE_CODE_PATH, client, urlPairing, form, this::toDeviceCode);
	}

	public Mono<Upstream<TokenGrant>> pollToken(ClientCredentials client, Secret deviceCode) {
		MultiValueMap<String, String> form = credentials(client);
		form.add("grant_type", DEVICE_CODE_GRANT);
		form.add("device_code", deviceCode.reveal());
		return call("token_poll", TOKEN_PATH, client, false, form, this::toTokens).map(FrameioClient::unusableTokens);
	}

	public Mono<Upstream<TokenGrant>> refresh(ClientCredentials client, Secret refreshToken) {
		MultiValueMap<String, String> form = credentials(client);
		form.add("grant_type", "refresh_token");
		form.add("refresh_token", refreshToken.reveal());
		return call("token_refresh", TOKEN_PATH, client, false, form, this::toRefreshedTokens)
			.map(FrameioClient::unusableTokens);
	}

	public Mono<Upstream<Boolean>> revoke(ClientCredentials client, Secret token) {
		MultiValueMap<String, String> form = credentials(client);
		form.add("token", token.reveal());
		return call("revoke", REVOKE_PATH, client, false, form, (body) -> Boolean.TRUE);
	}

	/**
	 * Where the device landed ({@code GET /v2/devices/me}), asked with the device's access token as
	 * Frame.io's device endpoints want it; the model's secret is not sent.
	 */
	public Mono<Upstream<FrameioDevice>> devicesMe(ClientCredentials client, Secret accessToken) {
		return exchange("devices_me", client, () -> this.web.get()
			.uri(baseUrl() + DEVICES_ME_PATH)
			.headers((headers) -> {
				headers.setBearerAuth(accessToken.reveal());
				headers.set("x-client-version", client.clientVersion());
			})
			.accept(MediaType.APPLICATION_JSON), this::toFrameioDevice);
	}

	private MultiValueMap<String, String> credentials(ClientCredentials client) {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		form.add("client_id", client.clientId());
		form.add("client_secret", client.clientSecret().reveal());
		return form;
	}

	private <T> Mono<Upstream<T>> call(String endpoint, String path, ClientCredentials client, boolean urlPairing,
			MultiValueMap<String, String> form, BodyReader<T> reader) {
		return exchange(endpoint, client, () -> this.web.post()
			.uri(baseUrl() + path)
			.headers((headers) -> {
				headers.set("x-client-version", client.clientVersion());
				if (urlPairing) {
					headers.set("x-client-platypus-enabled", "true");
				}
			})
			.accept(MediaType.APPLICATION_JSON)
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.body(BodyInserters.fromFormData(form)), reader);
	}

	/**
	 * One call within the fleet's rate budget: it may wait for a pause to end or for a token of the
	 * cap, and a pause that lasts longer is answered as rate limited without a call.
	 */
	private <T> Mono<Upstream<T>> exchange(String endpoint, ClientCredentials client,
			Supplier<WebClient.RequestHeadersSpec<?>> request, BodyReader<T> reader) {
		return Mono.defer(() -> this.budget.acquire(client.model(), budgetEndpoint(endpoint), priority(endpoint))
			.flatMap((ticket) -> {
				if (!ticket.go()) {
					return Mono.just((Upstream<T>) new Upstream.RateLimited<T>(ticket.retryAfter()));
				}
				return send(endpoint, request, reader, ticket).doFinally((signal) -> this.budget.done(ticket));
			}));
	}

	/** Frame.io limits per endpoint: polls and refreshes share the token endpoint's budget. */
	private static String budgetEndpoint(String endpoint) {
		return endpoint.startsWith("token_") ? "token" : endpoint;
	}

	private static RateBudget.Priority priority(String endpoint) {
		return switch (endpoint) {
			case "token_refresh", "revoke" -> RateBudget.Priority.CUSTODY;
			case "device_code" -> RateBudget.Priority.NEW_CODE;
			default -> RateBudget.Priority.POLL;
		};
	}

	/**
	 * Sends the request {@code request} builds (anew for each subscription) and classifies its answer:
	 * one timeout, size cap, classification and timer for every endpoint, whatever its method.
	 */
	private <T> Mono<Upstream<T>> send(String endpoint, Supplier<WebClient.RequestHeadersSpec<?>> request,
			BodyReader<T> reader, RateBudget.Ticket ticket) {
		return Mono.defer(() -> {
			Timer.Sample sample = Timer.start(this.meters);
			return request.get()
				.exchangeToMono((response) -> readBody(response)
					.onErrorResume(DataBufferLimitException.class, (tooLarge) -> {
						log.warn("Frame.io answered {} to {} with more than {} bytes; the body was not read", response.statusCode()
							.value(), endpoint, MAX_ANSWER_BYTES);
						return Mono.just("");
					})
					.<Upstream<T>>map((body) -> {
						HttpHeaders headers = response.headers().asHttpHeaders();
						Duration paused = this.budget.observe(ticket, response.statusCode().value(), headers);
						Upstream<T> result = classify(response.statusCode(), headers, body, reader);
						if (result instanceof Upstream.RateLimited<T> limited && limited.retryAfter() == null
								&& paused != null) {
							// Without Retry-After the fleet's pause says when to come back, not a default second.
							Upstream<T> withPause = new Upstream.RateLimited<>(paused, limited.error());
							return withPause;
						}
						return result;
					}))
				.timeout(this.properties.timeout().plusSeconds(1))
				.onErrorResume((ex) -> Mono.just(failure(ex)))
				.doOnNext((result) -> sample.stop(requestTimer(endpoint, outcomeTag(result))));
		});
	}

	/**
	 * The body as text, read as raw bytes: WebClient's string decoder would print the decoded body,
	 * device codes and tokens included, whenever {@code org.springframework.web} logs at DEBUG.
	 */
	private static Mono<String> readBody(ClientResponse response) {
		return DataBufferUtils.join(response.bodyToFlux(DataBuffer.class), MAX_ANSWER_BYTES).map((buffer) -> {
			try {
				return buffer.toString(StandardCharsets.UTF_8);
			}
			finally {
				DataBufferUtils.release(buffer);
			}
		}).defaultIfEmpty("");
	}

	private <T> Upstream<T> classify(HttpStatusCode status, HttpHeaders headers, String body, BodyReader<T> reader) {
		if (status.is2xxSuccessful()) {
			try {
				return new Upstream.Ok<>(reader.read(body.isBlank() ? this.json.createObjectNode() : this.json.readTree(body)));
			}
			catch (RuntimeException malformed) {
				return new Upstream.Rejected<>(status.value(), "invalid_response");
			}
		}
		if (status.value() == 429) {
			String error = errorCode(status, body);
			return new Upstream.RateLimited<>(retryAfter(headers), Upstream.isStatusOnly(error) ? null : error);
		}
		if (status.is5xxServerError()) {
			return new Upstream.Unavailable<>("http_" + status.value(), retryAfter(headers));
		}
		if (status.is4xxClientError()) {
			return new Upstream.Rejected<>(status.value(), errorCode(status, body));
		}
		return new Upstream.Unavailable<>("http_" + status.value(), null);
	}

	/** Both of Frame.io's envelopes: {@code {"error": "..."}} and {@code {"code", "errors": [...], "message"}}. */
	private String errorCode(HttpStatusCode status, String body) {
		try {
			JsonNode root = this.json.readTree(body);
			JsonNode error = root.path("error");
			if (error.isString() && !error.asString().isBlank()) {
				return error.asString();
			}
			JsonNode first = root.path("errors").path(0);
			for (String field : new String[] { "code", "title" }) {
				JsonNode value = first.path(field);
				if (value.isString() && !value.asString().isBlank()) {
					return value.asString().trim().toLowerCase().replace(' ', '_');
				}
			}
		}
		catch (RuntimeException notJson) {
			// fall through to the status
		}
		return "http_" + status.value();
	}

	private <T> Upstream<T> failure(Throwable ex) {
		if (ex instanceof WebClientRequestException request && request.getCause() != null) {
			ex = request.getCause();
		}
		if (ex instanceof ReadTimeoutException || ex instanceof TimeoutException
				|| ex instanceof io.netty.handler.timeout.TimeoutException) {
			return new Upstream.Unavailable<>("timeout", null);
		}
		if (ex instanceof ConnectException || ex instanceof io.netty.channel.ConnectTimeoutException) {
			return new Upstream.Unavailable<>("connect_failed", null);
		}
		if (ex instanceof PrematureCloseException) {
			return new Upstream.Unavailable<>("connection_closed", null);
		}
		if (ex.getClass().getName().contains("PoolAcquire")) {
			return new Upstream.Unavailable<>("pool_exhausted", null);
		}
		return new Upstream.Unavailable<>("io_error", null);
	}

	/**
	 * The most of one answer that is read: Frame.io's answers are well under a kilobyte, and one
	 * that is not must not fill the heap. A larger body is dropped and the answer judged without it.
	 */
	static final int MAX_ANSWER_BYTES = 64 * 1024;

	/** The longest user code the pairing row holds. */
	static final int USER_CODE_LENGTH = 64;

	private DeviceCode toDeviceCode(JsonNode body) {
		String deviceCode = requiredText(body, "device_code");
		String userCode = requiredText(body, "user_code");
		if (userCode.length() > USER_CODE_LENGTH) {
			// Stored in a column of this size; an answer that cannot be stored is an unusable answer.
			throw new IllegalArgumentException("user_code longer than " + USER_CODE_LENGTH);
		}
		String verificationUri = requiredText(body, "verification_uri");
		JsonNode complete = body.path("verification_uri_complete");
		JsonNode name = body.path("name");
		return new DeviceCode(Secret.of(deviceCode), userCode, verificationUri,
				complete.isString() ? complete.asString() : null, name.isString() ? name.asString() : null,
				wholeSecondsUp(body.path("expires_in"), 120), (int) wholeSecondsUp(body.path("interval"), 5));
	}

	/**
	 * A 2xx token answer that cannot be read, or lacks the tokens, is {@code invalid_token_response}
	 * (contract 1.2): unlike an unusable device-code answer, it may have spent a device code or a
	 * refresh token, and its readers must know that.
	 */
	private static Upstream<TokenGrant> unusableTokens(Upstream<TokenGrant> result) {
		if (Upstream.isUnusableAnswer(result)) {
			return new Upstream.Rejected<>(((Upstream.Rejected<TokenGrant>) result).status(), Upstream.INVALID_TOKEN_RESPONSE);
		}
		return result;
	}

	/** A refresh answer may leave {@code refresh_token} out: the current one stays in force. */
	private TokenGrant toRefreshedTokens(JsonNode body) {
		JsonNode refresh = body.path("refresh_token");
		return toTokens(body, !(refresh.isMissingNode() || refresh.isNull()));
	}

	private TokenGrant toTokens(JsonNode body) {
		return toTokens(body, true);
	}

	private TokenGrant toTokens(JsonNode body, boolean withRefreshToken) {
		JsonNode type = body.path("token_type");
		Secret refresh = withRefreshToken ? Secret.of(requiredText(body, "refresh_token")) : null;
		long refreshLife = wholeSecondsUp(body.path("refresh_expires_in"), 0);
		return new TokenGrant(Secret.of(requiredText(body, "access_token")), refresh,
				wholeSecondsUp(body.path("expires_in"), 28800), type.isString() ? type.asString() : "bearer",
				(refreshLife > 0) ? refreshLife : null);
	}

	/** Frame.io marks every field optional; without the device's and its project's ids there is nothing to show. */
	private FrameioDevice toFrameioDevice(JsonNode body) {
		JsonNode name = body.path("name");
		JsonNode projectName = body.path("project").path("name");
		return new FrameioDevice(requiredText(body, "id"), name.isString() ? name.asString() : null,
				requiredText(body, "project_id"), projectName.isString() ? projectName.asString() : null);
	}

	/** Frame.io documents its durations as doubles: a missing one takes the default, a fraction rounds up. */
	static long wholeSecondsUp(JsonNode node, long fallback) {
		BigDecimal value = null;
		if (node.isNumber()) {
			value = node.decimalValue();
		}
		else if (node.isString()) {
			try {
				value = new BigDecimal(node.asString().trim());
			}
			catch (NumberFormatException ex) {
				value = null;
			}
		}
		if (value == null || value.signum() <= 0) {
			return fallback;
		}
		return value.setScale(0, RoundingMode.CEILING).longValueExact();
	}

	private static String requiredText(JsonNode body, String field) {
		JsonNode node = body.path(field);
		if (!node.isString() || node.asString().isBlank()) {
			throw new IllegalArgumentException("missing " + field);
		}
		return node.asString();
	}

	static Duration retryAfter(HttpHeaders headers) {
		String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			return Duration.ofSeconds(new BigDecimal(value.trim()).setScale(0, RoundingMode.CEILING).longValueExact());
		}
		catch (NumberFormatException | ArithmeticException notSeconds) {
			try {
				ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
				Duration until = Duration.between(java.time.Instant.now(), at.toInstant());
				return until.isNegative() ? Duration.ZERO : until;
			}
			catch (RuntimeException notDate) {
				return null;
			}
		}
	}

	private String baseUrl() {
		String resolved = this.resolvedBaseUrl;
		if (resolved == null) {
			// Resolved late: the sandbox points the client at this very server, whose port is known only once it listens.
			resolved = this.environment.resolveRequiredPlaceholders(this.properties.baseUrl());
			resolved = resolved.endsWith("/") ? resolved.substring(0, resolved.length() - 1) : resolved;
			this.resolvedBaseUrl = resolved;
		}
		return resolved;
	}

	/**
	 * Latency as a histogram, so quantiles can be aggregated across replicas. One timer per endpoint
	 * and outcome, looked up here rather than registered anew on every call.
	 */
	private Timer requestTimer(String endpoint, String outcome) {
		return this.timers.computeIfAbsent(endpoint + ' ' + outcome, (key) -> newRequestTimer(endpoint, outcome));
	}

	private Timer newRequestTimer(String endpoint, String outcome) {
		return Timer.builder("gateway.frameio.requests")
			.description("Calls to Frame.io by endpoint and outcome")
			.tags("endpoint", endpoint, "outcome", outcome)
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(5))
			.maximumExpectedValue(this.properties.timeout().plusSeconds(1))
			.register(this.meters);
	}

	private static String outcomeTag(Upstream<?> result) {
		if (result instanceof Upstream.Ok<?>) {
			return "ok";
		}
		if (result instanceof Upstream.Rejected<?>) {
			return "rejected";
		}
		return (result instanceof Upstream.RateLimited<?>) ? "rate_limited" : "unavailable";
	}

	@FunctionalInterface
	private interface BodyReader<T> {

		T read(JsonNode body);

	}

}
