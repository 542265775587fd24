package io.c2cgateway.device;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.SecondReplica;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceSingleFlightTests extends CustodyTest {

	private static final int CALLERS_PER_REPLICA = 30;

	@Test
	void accessTokenWhenCalledConcurrentlyOnTwoReplicasThenOneUpstreamRefreshAndEveryCallerGetsItsToken()
			throws Exception {
		Paired paired = pair();
		String key = deviceKey(paired);
		String before = accessToken(key, paired.deviceId()).json().path("accessToken").asString();
		moveBelowMinValidity(paired.deviceId());
		// Frame.io takes its time, so every caller arrives while the one refresh is in flight.
		this.simulator.inject(Fault.late("token_refresh", paired.deviceId(), Duration.ofMillis(300)));

		try (SecondReplica second = SecondReplica.start("second-replica", this.port, this.clock)) {
			List<Api> replicas = List.of(Api.at(this.port).as(key), Api.at(second.port()).as(key));
			ExecutorService pool = Executors.newFixedThreadPool(2 * CALLERS_PER_REPLICA);
			CountDownLatch start = new CountDownLatch(1);
			try {
				List<Future<Api.Response>> calls = new ArrayList<>();
				for (int i = 0; i < 2 * CALLERS_PER_REPLICA; i++) {
					Api replica = replicas.get(i % 2);
					calls.add(pool.submit(() -> {
						start.await();
						return replica.post("/api/v1/devices/" + paired.deviceId() + "/access-token", null);
					}));
				}
				start.countDown();
				Set<String> tokens = new HashSet<>();
				for (Future<Api.Response> call : calls) {
					Api.Response response = call.get();
					assertThat(response.status()).as(response.body()).isEqualTo(200);
					tokens.add(response.json().path("accessToken").asString());
				}
				long upstream = refreshes(paired.deviceId());
				System.out.println("single flight: " + calls.size() + " callers on 2 replicas, " + upstream
						+ " upstream refresh(es)");
				assertThat(upstream).isEqualTo(1);
				assertThat(tokens).hasSize(1);
				String token = tokens.iterator().next();
				assertThat(token).isNotEqualTo(before);
				assertThat(token).isEqualTo(stored(paired.deviceId(), "access_token").reveal());
				assertThat(this.simulator.accessTokenValid(token)).isTrue();
			}
			finally {
				pool.shutdown();
			}
		}
	}

}
