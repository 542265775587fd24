package io.c2cgateway.polling;

import java.time.Clock;
import java.time.Instant;

import javax.sql.DataSource;

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

	/** The engine's own pool: where a model's secret is read when the cache misses. */
	private final DataSource database;

	StepRunner(FrameioClient frameio, DeviceModelService models, Clock clock, DataSource database) {
		this.frameio = frameio;
		this.models = models;
		this.clock = clock;
		this.database = database;
	}

	/**
	 * Called on the engine's thread, which may block: the model's secret is looked up here (a JDBC
	 * read on the engine's own pool when the cache misses), never inside the reactive chain, which runs on Netty's event loop.
	 */
	Mono<Step> run(Tracked pairing, Instant now) {
		if (pairing.codeIsDead(now) && PollRules.mustExpire(pairing, now)) {
			return Mono.just(new Step.Expire(pairing, now));
		}
		DeviceModelService.UpstreamSettings settings;
		try {
			settings = this.models.upstreamSettings(pairing.model, this.database);
		}
		catch (RuntimeException ex) {
			return Mono.just(pairing.codeIsDead(now) ? new Step.Renew(pairing, internalFailure(), this.clock.instant())
					: new Step.Poll(pairing, internalFailure(), null, this.clock.instant()));
		}
		if (pairing.codeIsDead(now)) {
			return renewal(pairing, settings).map((answer) -> (Step) new Step.Renew(pairing, answer, this.clock.instant()));
		}
		ClientCredentials credentials = new ClientCredentials(pairing.model, pairing.deviceId, settings.clientSecret(),
				pairing.clientVersion);
		return Mono.defer(() -> this.frameio.pollToken(credentials, pairing.deviceCode)).flatMap((answer) -> {
			Instant at = this.clock.instant();
			// Frame.io killed the code early: ask for the next one at once, as part of the same step.
			if (answer instanceof Upstream.Rejected<TokenGrant> rejected && "expired_token".equals(rejected.error())
					&& PollRules.mayRenew(pairing, at)) {
				return renewal(pairing, settings)
					.map((renewed) -> (Step) new Step.Poll(pairing, answer, renewed, this.clock.instant()));
			}
			return Mono.just((Step) new Step.Poll(pairing, answer, null, at));
		}).onErrorResume((ex) -> Mono.just(new Step.Poll(pairing, internalFailure(), null, this.clock.instant())));
	}

	private Mono<Upstream<DeviceCode>> renewal(Tracked pairing, DeviceModelService.UpstreamSettings settings) {
		return Mono.defer(() -> this.frameio.requestDeviceCode(
				new ClientCredentials(pairing.model, pairing.deviceId, settings.clientSecret(), pairing.clientVersion), settings.scope(),
				pairing.urlPairing))
			.onErrorResume((ex) -> Mono.just(internalFailure()));
	}

	private static <T> Upstream<T> internalFailure() {
		return new Upstream.Unavailable<>("internal_error", null);
	}

}
