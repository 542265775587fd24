package io.c2cgateway.frameio;

import java.io.IOException;
import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;
import org.springframework.web.reactive.function.client.WebClient;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.system.InvalidConfigurationException;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The upstream client against a real HTTP server answering as Frame.io documents (and as it may). */
class FrameioClientTests {

	private final MockWebServer server = new MockWebServer();

	private FrameioClient client;

	private final ClientCredentials credentials = new ClientCredentials("cam-x", "SN-0042", Secret.of("model-secret"), "2.1.0");

	@BeforeEach
	void start() throws IOException {
		this.server.start();
		// 3 s, as in the other tests: a cold JVM on a loaded machine needs more than a second for a first call.
		FrameioProperties properties = new FrameioProperties(this.server.url("/").toString(), Duration.ofSeconds(3),
				Duration.ofSeconds(1), 10, 100, Duration.ofSeconds(1), Duration.ofSeconds(30), true);
		this.client = new FrameioClient(WebClient.builder(), properties, new MockEnvironment(), JsonMapper.builder().build(),
				new SimpleMeterRegistry());
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	/** The request the server received; a deadline instead of waiting forever when the client gave up first. */
	private RecordedRequest taken() throws InterruptedException {
		RecordedRequest request = this.server.takeRequest(10, java.util.concurrent.TimeUnit.SECONDS);
		assertThat(request).as("a request reached the server").isNotNull();
		return request;
	}

	private void answer(int status, String body) {
		this.server.enqueue(new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body).build());
	}

	@Test
	void deviceCodeRequestIsAFormPostWithSecretScopeAndTheDevicesHeaders() throws Exception {
		answer(200, """
				{"device_code":"dc","expires_in":120.0,"interval":5.0,"name":"cam","user_code":"987654",
				 "verification_uri":"https://next.frame.io/pair","verification_uri_complete":"https://next.frame.io/pair/987654"}""");
		Upstream<DeviceCode> result = this.client.requestDeviceCode(this.credentials, "asset_create offline", true).block();
		RecordedRequest request = taken();
		assertThat(request.getMethod()).isEqualTo("POST");
		assertThat(request.getTarget()).isEqualTo("/v2/auth/device/code");
		assertThat(request.getHeaders().get("Content-Type")).startsWith("application/x-www-form-urlencoded");
		assertThat(request.getHeaders().get("x-client-version")).isEqualTo("2.1.0");
		assertThat(request.getHeaders().get("x-client-platypus-enabled")).isEqualTo("true");
		assertThat(request.getHeaders().get("Authorization")).isNull();
		assertThat(request.getBody().utf8()).isEqualTo("client_id=SN-0042&client_secret=model-secret&scope=asset_create+offline");
		assertThat(result).isInstanceOf(Upstream.Ok.class);
		DeviceCode code = ((Upstream.Ok<DeviceCode>) result).value();
		assertThat(code.userCode()).isEqualTo("987654");
		assertThat(code.intervalSeconds()).isEqualTo(5);
		assertThat(code.expiresInSeconds()).isEqualTo(120);
		assertThat(code.verificationUriComplete()).isEqualTo("https://next.frame.io/pair/987654");
	}

	/**
	 * A misrouted or hostile upstream must not fill the heap: an answer over the cap is not read
	 * further, and a 2xx over it is no usable answer, however well-formed its start.
	 */
	@Test
	void answerLargerThanTheCapIsNotReadAndCountsAsUnusable() {
		String padding = " ".repeat(FrameioClient.MAX_ANSWER_BYTES + 1);
		answer(200, "{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":3600}" + padding);
		Upstream<TokenGrant> tokens = this.client.pollToken(this.credentials, Secret.of("dc")).block();
		assertThat(tokens).isInstanceOf(Upstream.Rejected.class);
		assertThat(((Upstream.Rejected<TokenGrant>) tokens).error()).isEqualTo("invalid_token_response");

		answer(400, "{\"error\":\"authorization_pending\"}" + padding);
		Upstream<TokenGrant> pending = this.client.pollToken(this.credentials, Secret.of("dc")).block();
		assertThat(pending).as("its start is not read either").isInstanceOf(Upstream.Rejected.class);
		assertThat(((Upstream.Rejected<TokenGrant>) pending).error()).isNotEqualTo("authorization_pending");

		answer(200, "{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":3600}");
		assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block()).as("the cap leaves normal answers alone")
			.isInstanceOf(Upstream.Ok.class);
	}

	/** Client secrets and tokens travel in these requests: plain http is a choice someone must make on purpose. */
	@Test
	void plainHttpBaseUrlOutsideTheSandboxAndTestsIsRefusedUnlessAllowed() {
		FrameioProperties plain = new FrameioProperties("http://frame.example", Duration.ofSeconds(1), Duration.ofSeconds(1),
				10, 100, Duration.ofSeconds(1), Duration.ofSeconds(30), false);
		assertThatExceptionOfType(InvalidConfigurationException.class)
			.isThrownBy(() -> new FrameioClient(WebClient.builder(), plain, new MockEnvironment(), JsonMapper.builder().build(),
					new SimpleMeterRegistry()))
			.withMessageContaining("GATEWAY_FRAMEIO_BASE_URL")
			.withMessageContaining("GATEWAY_FRAMEIO_ALLOW_INSECURE_BASE_URL")
			.withMessageNotContaining("frame.example");
		MockEnvironment sandbox = new MockEnvironment();
		sandbox.setActiveProfiles("sandbox");
		new FrameioClient(WebClient.builder(), plain, sandbox, JsonMapper.builder().build(), new SimpleMeterRegistry());
		FrameioProperties https = new FrameioProperties("https://api.frame.io", Duration.ofSeconds(1), Duration.ofSeconds(1),
				10, 100, Duration.ofSeconds(1), Duration.ofSeconds(30), false);
		new FrameioClient(WebClient.builder(), https, new MockEnvironment(), JsonMapper.builder().build(),
				new SimpleMeterRegistry());
	}

	@Test
	void deviceCodeWithoutUrlPairingSendsNoPlatypusHeader() throws Exception {
		answer(200, "{\"device_code\":\"dc\",\"expires_in\":120,\"user_code\":\"1\",\"verification_uri\":\"u\"}");
		this.client.requestDeviceCode(this.credentials, "offline", false).block();
		assertThat(taken().getHeaders().get("x-client-platypus-enabled")).isNull();
	}

	@Test
	void decimalIntervalRoundsUpMissingIntervalIsFiveAndNullCompleteUriIsKept() {
		answer(200, """
				{"device_code":"dc","expires_in":119.2,"interval":2.5,"name":"cam","user_code":"1",
				 "verification_uri":"u","verification_uri_complete":null}""");
		DeviceCode rounded = ((Upstream.Ok<DeviceCode>) this.client.requestDeviceCode(this.credentials, "offline", false).block()).value();
		assertThat(rounded.intervalSeconds()).isEqualTo(3);
		assertThat(rounded.expiresInSeconds()).isEqualTo(120);
		assertThat(rounded.verificationUriComplete()).isNull();
		answer(200, "{\"device_code\":\"dc\",\"expires_in\":120,\"user_code\":\"1\",\"verification_uri\":\"u\"}");
		DeviceCode defaulted = ((Upstream.Ok<DeviceCode>) this.client.requestDeviceCode(this.credentials, "offline", false).block()).value();
		assertThat(defaulted.intervalSeconds()).isEqualTo(5);
		assertThat(defaulted.name()).isNull();
	}

	@Test
	void simpleErrorEnvelopeGivesItsErrorCode() {
		answer(400, "{\"error\":\"invalid_client\"}");
		assertThat(this.client.requestDeviceCode(this.credentials, "offline", false).block())
			.isEqualTo(new Upstream.Rejected<DeviceCode>(400, "invalid_client"));
	}

	@Test
	void detailedErrorEnvelopeGivesTheFirstErrorsTitle() {
		answer(401, """
				{"code":401,"errors":[{"code":401,"detail":"You are not allowed to access that resource","status":401,
				 "title":"Not Authorized"}],"message":"Not Authorized"}""");
		assertThat(this.client.refresh(this.credentials, Secret.of("rt")).block())
			.isEqualTo(new Upstream.Rejected<TokenGrant>(401, "not_authorized"));
	}

	@Test
	void rejectionWithoutABodyIsNamedByItsStatus() {
		answer(404, "");
		assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block())
			.isEqualTo(new Upstream.Rejected<TokenGrant>(404, "http_404"));
	}

	@Test
	void tooManyRequestsCarriesRetryAfter() {
		this.server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "7").build());
		assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block())
			.isEqualTo(new Upstream.RateLimited<TokenGrant>(Duration.ofSeconds(7)));
	}

	@Test
	void serverErrorIsUnavailable() {
		answer(503, "{}");
		assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block())
			.isEqualTo(new Upstream.Unavailable<TokenGrant>("http_503", null));
	}

	@Test
	void slowAnswerIsATimeout() {
		this.server.enqueue(new MockResponse.Builder().code(200).body("{}").headersDelay(5, java.util.concurrent.TimeUnit.SECONDS).build());
		assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block())
			.isEqualTo(new Upstream.Unavailable<TokenGrant>("timeout", null));
	}

	@Test
	void refusedConnectionIsUnavailable() {
		this.server.close();
		Upstream<TokenGrant> result = this.client.pollToken(this.credentials, Secret.of("dc")).block();
		assertThat(result).isInstanceOf(Upstream.Unavailable.class);
	}

	@Test
	void tokenPollSendsTheDeviceCodeGrant() throws Exception {
		answer(200, "{\"access_token\":\"at\",\"expires_in\":28800.0,\"refresh_token\":\"rt\",\"token_type\":\"bearer\"}");
		Upstream<TokenGrant> result = this.client.pollToken(this.credentials, Secret.of("the-device-code")).block();
		RecordedRequest request = taken();
		assertThat(request.getTarget()).isEqualTo("/v2/auth/token");
		assertThat(request.getBody().utf8()).isEqualTo("client_id=SN-0042&client_secret=model-secret"
				+ "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=the-device-code");
		TokenGrant grant = ((Upstream.Ok<TokenGrant>) result).value();
		assertThat(grant.accessToken().reveal()).isEqualTo("at");
		assertThat(grant.expiresInSeconds()).isEqualTo(28800);
		assertThat(grant.toString()).doesNotContain("at,").doesNotContain("rt");
	}

	@Test
	void successWithoutTheRequiredFieldsIsAnInvalidResponse() {
		answer(200, "{\"user_code\":\"1\"}");
		assertThat(this.client.requestDeviceCode(this.credentials, "offline", false).block())
			.isEqualTo(new Upstream.Rejected<DeviceCode>(200, "invalid_response"));
	}

	/** Contract 1.2: a stated refresh-token life replaces the 14 days; like expires_in, a fraction rounds up. */
	@Test
	void tokenAnswerStatingRefreshExpiresInCarriesItInWholeSecondsRoundedUp() {
		answer(200, "{\"access_token\":\"at\",\"expires_in\":120,\"refresh_token\":\"rt\",\"refresh_expires_in\":1799.2}");
		answer(200, "{\"access_token\":\"at\",\"expires_in\":120,\"refresh_token\":\"rt\",\"refresh_expires_in\":\"3600\"}");
		answer(200, "{\"access_token\":\"at\",\"expires_in\":120,\"refresh_token\":\"rt\"}");
		answer(200, "{\"access_token\":\"at\",\"expires_in\":120,\"refresh_token\":\"rt\",\"refresh_expires_in\":0}");
		answer(200, "{\"access_token\":\"at\",\"expires_in\":120,\"refresh_token\":\"rt\",\"refresh_expires_in\":-5}");
		assertThat(grant(this.client.pollToken(this.credentials, Secret.of("dc")).block()).refreshExpiresInSeconds())
			.isEqualTo(1800L);
		assertThat(grant(this.client.refresh(this.credentials, Secret.of("rt")).block()).refreshExpiresInSeconds())
			.isEqualTo(3600L);
		TokenGrant unstated = grant(this.client.pollToken(this.credentials, Secret.of("dc")).block());
		assertThat(unstated.refreshExpiresInSeconds()).as("not stated").isNull();
		assertThat(unstated.expiresInSeconds()).as("a short access token as it is").isEqualTo(120);
		assertThat(grant(this.client.pollToken(this.credentials, Secret.of("dc")).block()).refreshExpiresInSeconds())
			.as("zero states nothing")
			.isNull();
		assertThat(grant(this.client.refresh(this.credentials, Secret.of("rt")).block()).refreshExpiresInSeconds())
			.isNull();
	}

	/**
	 * Contract 1.2: a 2xx token answer without usable tokens is invalid_token_response, for polls
	 * and refreshes alike; an unusable device-code answer stays invalid_response.
	 */
	@Test
	void tokenAnswerWithoutUsableTokensIsAnInvalidTokenResponse() {
		answer(200, "{\"refresh_token\":\"rt\",\"expires_in\":3600}");
		answer(200, "{\"access_token\":\"at\",\"expires_in\":3600}");
		answer(200, "<html>not json</html>");
		answer(200, "");
		answer(201, "{\"access_token\":\"\",\"refresh_token\":\"rt\"}");
		for (int i = 0; i < 4; i++) {
			assertThat(this.client.pollToken(this.credentials, Secret.of("dc")).block()).as("poll answer " + i)
				.isEqualTo(new Upstream.Rejected<TokenGrant>(200, "invalid_token_response"));
		}
		assertThat(this.client.refresh(this.credentials, Secret.of("rt")).block())
			.isEqualTo(new Upstream.Rejected<TokenGrant>(201, "invalid_token_response"));
		assertThat(Upstream.isUnusableAnswer(new Upstream.Rejected<TokenGrant>(201, "invalid_token_response"))).isTrue();
		assertThat(Upstream.isUnusableAnswer(new Upstream.Rejected<TokenGrant>(400, "invalid_token_response"))).isFalse();
	}

	private static TokenGrant grant(Upstream<TokenGrant> result) {
		assertThat(result).isInstanceOf(Upstream.Ok.class);
		return ((Upstream.Ok<TokenGrant>) result).value();
	}

	@Test
	void revokeSendsTheTokenAndAcceptsBothSuccessShapes() throws Exception {
		answer(200, "{\"success\":true}");
		answer(200, "{}");
		assertThat(this.client.revoke(this.credentials, Secret.of("tok")).block()).isEqualTo(new Upstream.Ok<>(true));
		assertThat(this.client.revoke(this.credentials, Secret.of("tok")).block()).isEqualTo(new Upstream.Ok<>(true));
		assertThat(taken().getBody().utf8()).isEqualTo("client_id=SN-0042&client_secret=model-secret&token=tok");
	}

	@Test
	void devicesMeIsAGetWithTheAccessTokenAsBearerAndTheDevicesVersion() throws Exception {
		answer(200, """
				{"_type":"project_device","id":"5a0c0b9e-1f0e-4c4e-9a57-2f3c4d5e6f70","name":"A-cam","asset_type":"video",
				 "project_id":"0b6f7e2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b","status":"online",
				 "project":{"_type":"project","id":"0b6f7e2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b","name":"Feature Film"},
				 "authorization":{"_type":"project_device_authorization","scopes":{"asset_create":true}}}""");
		Upstream<FrameioDevice> result = this.client.devicesMe(this.credentials, Secret.of("the-access-token")).block();
		RecordedRequest request = taken();
		assertThat(request.getMethod()).isEqualTo("GET");
		assertThat(request.getTarget()).isEqualTo("/v2/devices/me");
		assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer the-access-token");
		assertThat(request.getHeaders().get("x-client-version")).isEqualTo("2.1.0");
		assertThat(request.getHeaders().get("Content-Type")).isNull();
		assertThat(request.getBody()).as("no body").isNull();
		assertThat(result).isEqualTo(new Upstream.Ok<>(new FrameioDevice("5a0c0b9e-1f0e-4c4e-9a57-2f3c4d5e6f70", "A-cam",
				"0b6f7e2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b", "Feature Film")));
	}

	@Test
	void devicesMeWithoutAProjectObjectGivesNoProjectName() {
		answer(200, "{\"id\":\"d1\",\"name\":\"A-cam\",\"project_id\":\"p1\"}");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Ok<>(new FrameioDevice("d1", "A-cam", "p1", null)));
		answer(200, "{\"id\":\"d1\",\"name\":\"A-cam\",\"project_id\":\"p1\",\"project\":null}");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Ok<>(new FrameioDevice("d1", "A-cam", "p1", null)));
	}

	@Test
	void devicesMeWithoutTheDeviceOrItsProjectIsAnInvalidResponse() {
		answer(200, "{\"name\":\"A-cam\",\"project_id\":\"p1\"}");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Rejected<FrameioDevice>(200, "invalid_response"));
		answer(200, "{\"id\":\"d1\",\"name\":\"A-cam\"}");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Rejected<FrameioDevice>(200, "invalid_response"));
	}

	@Test
	void devicesMeWithAnInvalidAccessTokenIsRejected() {
		answer(401, """
				{"code":401,"errors":[{"code":401,"detail":"You are not allowed to access that resource","status":401,
				 "title":"Not Authorized"}],"message":"Not Authorized"}""");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Rejected<FrameioDevice>(401, "not_authorized"));
	}

	@Test
	void devicesMeServerErrorIsUnavailable() {
		answer(502, "<html>bad gateway</html>");
		assertThat(this.client.devicesMe(this.credentials, Secret.of("at")).block())
			.isEqualTo(new Upstream.Unavailable<FrameioDevice>("http_502", null));
	}

}
