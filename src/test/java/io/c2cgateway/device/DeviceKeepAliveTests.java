package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.system.ClusterJob;
import io.c2cgateway.system.ClusterJobs;
import io.c2cgateway.system.ShutdownBudget;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceKeepAliveTests extends CustodyTest {

	@Autowired
	private DeviceStore store;

	@Autowired
	private TokenRefresher refresher;

	@Autowired
	private KeepAlive keepAlive;

	@Autowired
	private DataSource dataSource;

	@Autowired
	@Qualifier("deviceCustodyExecutor")
	private Executor custody;

	private KeepAlive engine(String instanceId) {
		return new KeepAlive(instanceId, this.store, this.refresher, this.clock, this.tokenProperties,
				new Parallel(this.custody));
	}

	/** Makes the stored refresh token look issued {@code age} ago. */
	private void ageRefreshToken(String deviceId, Duration age) {
		this.jdbc.sql("update device set refresh_token_issued_at = ? where device_id = ?")
			.params(io.c2cgateway.system.SqlTime.utc(this.clock.instant().minus(age)), deviceId)
			.update();
	}

	private Instant refreshIssuedAt(String deviceId) {
		return this.jdbc.sql("select refresh_token_issued_at from device where device_id = ?")
			.param(deviceId)
			.query(java.time.OffsetDateTime.class)
			.single()
			.toInstant();
	}

	@Test
	void keepAliveRefreshesOnlyDueDevicesOnceWithTwoEngines() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		Paired dueA = pair(model, station, newDeviceId());
		Paired dueB = pair(model, station, newDeviceId());
		Paired young = pair(model, station, newDeviceId());
		Duration after = this.tokenProperties.keepAliveAfter();
		ageRefreshToken(dueA.deviceId(), after.plusMinutes(1));
		ageRefreshToken(dueB.deviceId(), after);
		ageRefreshToken(young.deviceId(), after.minusMinutes(1));
		String youngRefresh = stored(young.deviceId(), "refresh_token").reveal();

		List<KeepAlive> engines = List.of(engine("replica-a"), engine("replica-b"));
		runTogether(engines);
		runTogether(engines);

		assertThat(refreshes(dueA.deviceId())).isEqualTo(1);
		assertThat(refreshes(dueB.deviceId())).isEqualTo(1);
		assertThat(refreshes(young.deviceId())).isZero();
		assertThat(refreshIssuedAt(dueA.deviceId())).isEqualTo(this.clock.instant());
		assertThat(stored(young.deviceId(), "refresh_token").reveal()).isEqualTo(youngRefresh);
		for (Paired paired : List.of(dueA, dueB)) {
			assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
			assertThat(this.simulator.refreshTokenValid(stored(paired.deviceId(), "refresh_token").reveal())).isTrue();
			assertThat(auditDetail(paired.deviceId(), "device.tokens_refreshed")).contains("trigger=keep-alive");
		}
	}

	@Test
	void keepAliveKeepsAnIdleDevicePairedPastTheFourteenDayHorizon() {
		Paired paired = pair();
		String key = deviceKey(paired);
		for (int day = 0; day < 4; day++) {
			this.clock.advance(Duration.ofDays(4));
			this.keepAlive.runOnce();
		}
		assertThat(Duration.between(refreshIssuedAt(paired.deviceId()), this.clock.instant()))
			.isLessThan(Duration.ofDays(14));
		Api.Response token = accessToken(key, paired.deviceId());
		assertThat(token.status()).as(token.body()).isEqualTo(200);
		assertThat(this.simulator.accessTokenValid(token.json().path("accessToken").asString())).isTrue();
	}

	@Test
	void keepAliveWhenFrameioDownThenDeviceLeftAloneUntilRetryAfterAndNothingLost() {
		Paired paired = pair();
		ageRefreshToken(paired.deviceId(), this.tokenProperties.keepAliveAfter());
		String refresh = stored(paired.deviceId(), "refresh_token").reveal();
		this.simulator.inject(Fault.status("token_refresh", paired.deviceId(), 503, null));

		this.keepAlive.runOnce();
		this.keepAlive.runOnce();
		assertThat(refreshes(paired.deviceId())).as("no hammering of an upstream that is down").isEqualTo(1);
		assertThat(stored(paired.deviceId(), "refresh_token").reveal()).isEqualTo(refresh);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");

		this.clock.advance(this.tokenProperties.keepAliveRetryAfter());
		this.keepAlive.runOnce();
		assertThat(refreshes(paired.deviceId())).isEqualTo(2);
		assertThat(stored(paired.deviceId(), "refresh_token").reveal()).isNotEqualTo(refresh);
	}

	@Test
	void keepAliveAndAccessTokenCallerShareOneRefresh() throws Exception {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		ageRefreshToken(paired.deviceId(), this.tokenProperties.keepAliveAfter());
		this.simulator.inject(Fault.late("token_refresh", paired.deviceId(), Duration.ofMillis(400)));

		CompletableFuture<Integer> keepAliveRound = CompletableFuture.supplyAsync(this.keepAlive::runOnce);
		await("keep-alive to take the refresh lease", Duration.ofSeconds(10), () -> this.jdbc
			.sql("select count(*) from device where device_id = ? and refresh_lease_owner like '%keep-alive%'")
			.param(paired.deviceId())
			.query(Long.class)
			.single() == 1);
		Api.Response response = accessToken(key, paired.deviceId());
		keepAliveRound.get();

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		assertThat(response.json().path("accessToken").asString())
			.isEqualTo(stored(paired.deviceId(), "access_token").reveal());
	}

	@Test
	void keepAliveRunsAsAClusterJobInTheBackgroundAndStopsOnShutdown() {
		Paired paired = pair();
		ageRefreshToken(paired.deviceId(), this.tokenProperties.keepAliveAfter());
		String name = "keep-alive-" + UUID.randomUUID();
		ClusterJobs jobs = new ClusterJobs(this.dataSource,
				List.of(ClusterJob.every(name, true, Duration.ofHours(1), engine("background")::runOnce)), "background",
				ShutdownBudget.standalone());
		jobs.start();
		try {
			assertThat(jobs.isRunning()).isTrue();
			await("the background keep-alive run", Duration.ofSeconds(20), () -> refreshes(paired.deviceId()) == 1);
		}
		finally {
			jobs.stop();
			this.jdbc.sql("delete from scheduled_tasks where task_name = ?").param(name).update();
		}
		assertThat(jobs.isRunning()).isFalse();
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
	}

	private static void runTogether(List<KeepAlive> engines) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(engines.size());
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<Integer>> rounds = engines.stream().map((engine) -> pool.submit(() -> {
				start.await();
				return engine.runOnce();
			})).toList();
			start.countDown();
			for (Future<Integer> round : rounds) {
				round.get();
			}
		}
		finally {
			pool.shutdown();
		}
	}

}
