package io.c2cgateway.polling;

import java.time.Clock;
import java.time.Instant;

import reactor.core.publisher.Mono;

import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;

/**
 * Makes the upstream call a due pairing needs — a poll, a new code, or none when it must expire —
 * and turns whatever happens into exactly one {@link Step}; it never signals an error, so no
 * outcome is lost between the call and the write.
 */
final class StepRunner {

	private final FrameioClient frameio;

	private final DeviceModelService models;

	private final Clock clock;

	StepRunner(FrameioClient frameio, DeviceModelService models, Clock clock) {
		this.frameio = frameio;
		this.models = models;
		this.clock = clock;
	}

	Mono<Step> run(Tracked pairing, Instant now) {
		if (pairing.codeIsDead(now)) {
			if (PollRules.mustExpire(pairing, now)) {
				return Mono.just(new Step.Expire(pairing, now));
			}
			return renewal(pairing).map((answer) -> (Step) new Step.Renew(pairing, answer, this.clock.instant()));
		}
		return Mono.defer(() -> this.frameio.pollToken(credentials(pairing), pairing.deviceCode)).flatMap((answer) -> {
			Instant at = this.clock.instant();
			// Frame.io killed the code early: ask for the next one at once, as part of the same step.
			if (answer instanceof Upstream.Rejected<TokenGrant> rejected && "expired_token".equals(rejected.error())
					&& PollRules.mayRenew(pairing, at)) {
				return renewal(pairing).map((renewed) -> (Step) new Step.Poll(pairing, answer, renewed, this.clock.instant()));
			}
			return Mono.just((Step) new Step.Poll(pairing, answer, null, at));
		}).onErrorResume((ex) -> Mono.just(new Step.Poll(pairing, internalFailure(), null, this.clock.instant())));
	}

	private Mono<Upstream<DeviceCode>> renewal(Tracked pairing) {
		return Mono.defer(() -> {
			DeviceModelService.UpstreamSettings settings = this.models.upstreamSettings(pairing.model);
			return this.frameio.requestDeviceCode(
					new ClientCredentials(pairing.deviceId, settings.clientSecret(), pairing.clientVersion),
					settings.scope(), pairing.urlPairing);
		}).onErrorResume((ex) -> Mono.just(internalFailure()));
	}

	private ClientCredentials credentials(Tracked pairing) {
		return new ClientCredentials(pairing.deviceId, this.models.upstreamSettings(pairing.model).clientSecret(),
				pairing.clientVersion);
	}

	private static <T> Upstream<T> internalFailure() {
		return new Upstream.Unavailable<>("internal_error", null);
	}

}
