package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Every upstream answer of the contract's polling rules, through the real engine and the simulator over HTTP. */
class PollingRulesTests extends IntegrationTest {

	private String model;

	private String station;

	private String deviceId;

	@BeforeEach
	void setUp() {
		this.model = newModel();
		this.station = newKey("STATION");
		this.deviceId = newDeviceId();
	}

	private JsonNode start(String extraJson) {
		return startPairing(this.station, this.deviceId, this.model, extraJson);
	}

	private int polls() {
		return pollsOf(this.deviceId).size();
	}

	@Test
	void firstPollComesNoSoonerThanTheIntervalAfterTheCodeWasIssued() {
		start(null);
		advanceAndPoll(Duration.ofMillis(4999));
		assertThat(polls()).isZero();
		advanceAndPoll(Duration.ofMillis(1));
		assertThat(polls()).isEqualTo(1);
	}

	@Test
	void pollWhenAuthorizationPendingThenNextPollAfterIntervalAndNothingVisibleChanges() {
		JsonNode started = start(null);
		advanceAndPoll(Duration.ofSeconds(5));
		advanceAndPoll(Duration.ofSeconds(4));
		assertThat(polls()).isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
		JsonNode now = pairing(started.path("id").asString());
		assertThat(now.path("status").asString()).isEqualTo("PENDING");
		assertThat(now.path("version").asLong()).isEqualTo(1);
		assertThat(now.path("updatedAt")).isEqualTo(started.path("updatedAt"));
	}

	@Test
	void pollWhenSlowDownThenIntervalGrowsByFiveSecondsForGood() {
		JsonNode started = start(null);
		this.simulator.inject(Fault.error("token_poll", this.deviceId, "slow_down"));
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode slower = pairing(started.path("id").asString());
		assertThat(slower.path("pollIntervalSeconds").asInt()).isEqualTo(10);
		assertThat(slower.path("version").asLong()).isEqualTo(2);
		advanceAndPoll(Duration.ofSeconds(9));
		assertThat(polls()).isEqualTo(1);
		this.simulator.inject(Fault.error("token_poll", this.deviceId, "slow_down"));
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
		assertThat(pairing(started.path("id").asString()).path("pollIntervalSeconds").asInt()).isEqualTo(15);
		advanceAndPoll(Duration.ofSeconds(14));
		assertThat(polls()).isEqualTo(2);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(3);
		assertThat(pairing(started.path("id").asString()).path("pollIntervalSeconds").asInt()).isEqualTo(15);
	}

	/** Contract 1.2: slow_down counts whatever the status, also inside a 429 (whose Retry-After still holds). */
	@Test
	void pollWhenSlowDownComesInsideA429ThenIntervalGrowsByFiveAndRetryAfterIsHonoured() {
		JsonNode started = start(null);
		this.simulator.inject(new Fault("token_poll", this.deviceId, 429, java.util.Map.of("error", "slow_down"), "12", null, 1));
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode slower = pairing(started.path("id").asString());
		assertThat(slower.path("status").asString()).isEqualTo("PENDING");
		assertThat(slower.path("pollIntervalSeconds").asInt()).as("interval += 5").isEqualTo(10);
		advanceAndPoll(Duration.ofSeconds(11));
		assertThat(polls()).as("Retry-After: 12").isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
		advanceAndPoll(Duration.ofSeconds(9));
		assertThat(polls()).as("the new interval holds after the pause").isEqualTo(2);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(3);
	}

	/**
	 * Contract 1.2: a 4xx that is no OAuth error (an HTML page from a proxy or CDN, a bare 404 or 408)
	 * is transient like a 5xx, never a reason to end the pairing.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 404, 408, 403 })
	void pollWhenA4xxIsNoOAuthErrorThenBacksOffAndThePairingStaysPending(int status) {
		JsonNode started = start(null);
		this.simulator.inject(new Fault("token_poll", this.deviceId, status,
				"<html><body><h1>" + status + "</h1>cdn edge</body></html>", null, null, 1));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
		advanceAndPoll(Duration.ofSeconds(9));
		assertThat(polls()).as("backed off: 2x the interval").isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
		this.simulator.approve(pairing(started.path("id").asString()).path("userCode").asString());
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
	}

	@Test
	void sandboxFaultWithHtmlAnswersAsACdnWouldAndThePairingStaysPending() {
		JsonNode started = start(null);
		Api.Response queued = admin().post("/sandbox/faults",
				"{\"endpoint\": \"token_poll\", \"clientId\": \"" + this.deviceId
						+ "\", \"status\": 404, \"html\": true}");
		assertThat(queued.status()).isEqualTo(202);
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(polls()).isEqualTo(1);
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
	}

	@Test
	void pollWhenAccessDeniedThenDeniedAndPollingStops() {
		JsonNode started = start(null);
		assertThat(this.simulator.deny(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode denied = pairing(started.path("id").asString());
		assertThat(denied.path("status").asString()).isEqualTo("DENIED");
		assertThat(denied.path("completedAt").isNull()).isFalse();
		assertThat(denied.path("failureReason").isNull()).isTrue();
		advanceAndPoll(Duration.ofSeconds(30));
		assertThat(polls()).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "invalid_grant", "invalid_client", "invalid_request", "something_frameio_invented" })
	void pollWhenOtherErrorThenFailedWithTheUpstreamCode(String error) {
		JsonNode started = start(null);
		this.simulator.inject(Fault.error("token_poll", this.deviceId, error));
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode failed = pairing(started.path("id").asString());
		assertThat(failed.path("status").asString()).isEqualTo("FAILED");
		assertThat(failed.path("failureReason").asString()).isEqualTo(error);
		assertThat(failed.path("version").asLong()).isEqualTo(2);
		advanceAndPoll(Duration.ofSeconds(30));
		assertThat(polls()).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(ints = { 500, 502, 503, 429 })
	void pollWhenTransientFailureThenBacksOffWithoutStateChange(int status) {
		JsonNode started = start(null);
		this.simulator.inject(Fault.status("token_poll", this.deviceId, status, null));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(polls()).isEqualTo(1);
		JsonNode after = pairing(started.path("id").asString());
		assertThat(after.path("status").asString()).isEqualTo("PENDING");
		assertThat(after.path("version").asLong()).isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(9));
		assertThat(polls()).as("backoff doubles the interval").isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
	}

	@Test
	void pollWhenRateLimitedWithRetryAfterThenWaitsAtLeastThatLong() {
		start(null);
		this.simulator.inject(Fault.status("token_poll", this.deviceId, 429, "30"));
		advanceAndPoll(Duration.ofSeconds(5));
		advanceAndPoll(Duration.ofSeconds(29));
		assertThat(polls()).isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
	}

	@Test
	void pollWhenUpstreamTimesOutThenItCountsAsAPollAndBacksOff() {
		JsonNode started = start(null);
		this.simulator.inject(Fault.delay("token_poll", this.deviceId, Duration.ofMillis(4000)));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(polls()).isEqualTo(1);
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
		advanceAndPoll(Duration.ofSeconds(9));
		assertThat(polls()).isEqualTo(1);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(polls()).isEqualTo(2);
	}

	@Test
	void repeatedFailuresBackOffExponentiallyButNeverPastTheCodesExpiry() {
		JsonNode started = start(null);
		this.simulator.inject(new Fault("token_poll", this.deviceId, 503, java.util.Map.of("message", "down"), null,
				null, 100));
		Instant issued = this.clock.instant();
		for (int second = 1; second <= 125; second++) {
			advanceAndPoll(Duration.ofSeconds(1));
		}
		String firstCode = pollsOf(this.deviceId).get(0).deviceCode();
		List<Long> offsets = pollsOf(this.deviceId).stream()
			.filter((request) -> firstCode.equals(request.deviceCode()))
			.map((request) -> Duration.between(issued, request.at()).toSeconds())
			.toList();
		// 5 s interval: first poll at 5, then waits of 10, 20, 40; the next (60, capped) would pass the code's
		// 120 s life, so the code is renewed at 120 instead.
		assertThat(offsets).containsExactly(5L, 15L, 35L, 75L);
		JsonNode renewed = pairing(started.path("id").asString());
		assertThat(renewed.path("codesIssued").asInt()).isEqualTo(2);
		assertThat(renewed.path("status").asString()).isEqualTo("PENDING");
	}

	@Test
	void codeExpiringBeforeTheDeadlineIsReplacedByAFreshCode() {
		JsonNode started = start(null);
		String firstDeviceCode = null;
		for (int round = 0; round < 24; round++) {
			advanceAndPoll(Duration.ofSeconds(5));
			if (firstDeviceCode == null) {
				firstDeviceCode = pollsOf(this.deviceId).get(0).deviceCode();
			}
		}
		JsonNode renewed = pairing(started.path("id").asString());
		assertThat(renewed.path("codesIssued").asInt()).isEqualTo(2);
		assertThat(renewed.path("version").asLong()).isEqualTo(2);
		assertThat(renewed.path("status").asString()).isEqualTo("PENDING");
		assertThat(Instant.parse(renewed.path("codeExpiresAt").asString()))
			.isAfter(Instant.parse(started.path("codeExpiresAt").asString()));
		String old = firstDeviceCode;
		Instant oldExpiry = Instant.parse(started.path("codeExpiresAt").asString());
		assertThat(pollsOf(this.deviceId)).filteredOn((request) -> old.equals(request.deviceCode()))
			.allMatch((request) -> request.at().isBefore(oldExpiry));
		// the new code is polled after its own interval
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pollsOf(this.deviceId)).anyMatch((request) -> !old.equals(request.deviceCode()));
	}

	@Test
	void expiredTokenAnswerThenANewCodeAtOnce() {
		JsonNode started = start(null);
		this.simulator.inject(Fault.error("token_poll", this.deviceId, "expired_token"));
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode renewed = pairing(started.path("id").asString());
		assertThat(renewed.path("codesIssued").asInt()).isEqualTo(2);
		assertThat(renewed.path("status").asString()).isEqualTo("PENDING");
		assertThat(renewed.path("version").asLong()).isEqualTo(2);
	}

	@Test
	void codeOutlivingTheDeadlineThenPairingExpiresWhenTheCodeDies() {
		JsonNode started = start("\"timeoutSeconds\": 60");
		for (int round = 0; round < 23; round++) {
			advanceAndPoll(Duration.ofSeconds(5));
		}
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
		advanceAndPoll(Duration.ofSeconds(5));
		JsonNode expired = pairing(started.path("id").asString());
		assertThat(expired.path("status").asString()).isEqualTo("EXPIRED");
		assertThat(expired.path("codesIssued").asInt()).isEqualTo(1);
	}

	@Test
	void renewalAfterTheDeadlineThenExpiredInsteadOfANewCode() {
		JsonNode started = start("\"timeoutSeconds\": 130");
		this.simulator.inject(new Fault("device_code", this.deviceId, 503, java.util.Map.of("message", "down"), null,
				null, 100));
		for (int round = 0; round < 30; round++) {
			advanceAndPoll(Duration.ofSeconds(5));
		}
		JsonNode expired = pairing(started.path("id").asString());
		assertThat(expired.path("status").asString()).isEqualTo("EXPIRED");
		assertThat(expired.path("codesIssued").asInt()).isEqualTo(1);
	}

	@Test
	void cancelledPairingIsNeverPolledAgain() {
		JsonNode started = start(null);
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(this.api.as(this.station).delete("/api/v1/pairings/" + started.path("id").asString()).status())
			.isEqualTo(200);
		advanceAndPoll(Duration.ofSeconds(30));
		assertThat(polls()).isEqualTo(1);
	}

	@Test
	void everyPollOfACodeComesAtLeastItsIntervalAfterThePreviousOne() {
		start(null);
		this.simulator.inject(Fault.error("token_poll", this.deviceId, "slow_down"));
		this.simulator.inject(Fault.status("token_poll", this.deviceId, 503, "7"));
		for (int round = 0; round < 300; round++) {
			advanceAndPoll(Duration.ofMillis(700));
		}
		List<FrameioSimulator.Request> polls = pollsOf(this.deviceId);
		assertThat(polls).hasSizeGreaterThan(10);
		for (int i = 1; i < polls.size(); i++) {
			FrameioSimulator.Request previous = polls.get(i - 1);
			FrameioSimulator.Request current = polls.get(i);
			if (previous.deviceCode().equals(current.deviceCode())) {
				assertThat(Duration.between(previous.at(), current.at())).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
			}
		}
		assertThat(polls).allMatch((request) -> "1.0.0".equals(request.clientVersion()));
		assertThat(polls).noneMatch(FrameioSimulator.Request::basicAuthUsed);
	}

}
