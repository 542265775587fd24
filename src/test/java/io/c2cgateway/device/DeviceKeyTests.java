package io.c2cgateway.device;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceKeyTests extends CustodyTest {

	@Test
	void deviceKeyWhenPairingAuthorizedThenIssuedOnceAndBoundToItsDevice() {
		Paired paired = pair();
		Api.Response issued = this.api.as(paired.station())
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(issued.status()).as(issued.body()).isEqualTo(201);
		assertThat(issued.json().propertyNames()).containsExactlyInAnyOrder("deviceId", "deviceKey");
		assertThat(issued.json().path("deviceId").asString()).isEqualTo(paired.deviceId());
		String key = issued.json().path("deviceKey").asString();
		assertThat(key).hasSizeGreaterThanOrEqualTo(43);
		assertThat(this.jdbc.sql("select count(*) from api_key where key_hash like ? or name = ?")
			.params("%" + key + "%", key)
			.query(Long.class)
			.single()).as("only a hash is stored").isZero();
		assertThat(this.jdbc.sql("select role || ':' || device_id from api_key where device_id = ? and revoked_at is null")
			.param(paired.deviceId())
			.query(String.class)
			.list()).containsExactly("DEVICE:" + paired.deviceId());

		Api.Response again = this.api.as(paired.station())
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(again.status()).isEqualTo(409);
		assertThat(again.code()).isEqualTo("device_key_already_issued");
		Api.Response byAdmin = admin().post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(byAdmin.code()).isEqualTo("device_key_already_issued");
		assertThat(accessToken(key, paired.deviceId()).status()).isEqualTo(200);
	}

	@Test
	void deviceKeyWhenPairingNotAuthorizedThenConflict() {
		String station = newKey("STATION");
		JsonNode pending = startPairing(station, newDeviceId(), newModel(), null);
		Api.Response response = this.api.as(station).post("/api/v1/pairings/" + pending.path("id").asString() + "/device-key", null);
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("not_authorized");
		assertThat(response.contentType()).startsWith("application/problem+json");
	}

	@Test
	void deviceKeyOfAnotherStationsPairingThenNotFoundButAdminMayFetchIt() {
		Paired paired = pair();
		String otherStation = newKey("STATION");
		Api.Response foreign = this.api.as(otherStation).post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(foreign.status()).isEqualTo(404);
		assertThat(this.api.as(otherStation).post("/api/v1/pairings/" + UUID.randomUUID() + "/device-key", null).status())
			.isEqualTo(404);
		assertThat(this.api.as(otherStation).post("/api/v1/pairings/not-a-uuid/device-key", null).status()).isEqualTo(404);
		Api.Response byAdmin = admin().post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(byAdmin.status()).isEqualTo(201);
	}

	@Test
	void deviceKeyWhenRequestedConcurrentlyThenExactlyOneIssued() throws Exception {
		Paired paired = pair();
		int callers = 12;
		ExecutorService pool = Executors.newFixedThreadPool(callers);
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<Api.Response>> futures = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				futures.add(pool.submit(() -> {
					start.await();
					return this.api.as(paired.station())
						.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
				}));
			}
			start.countDown();
			List<Integer> statuses = new ArrayList<>();
			for (Future<Api.Response> future : futures) {
				statuses.add(future.get().status());
			}
			assertThat(statuses).filteredOn((status) -> status == 201).hasSize(1);
			assertThat(statuses).filteredOn((status) -> status == 409).hasSize(callers - 1);
		}
		finally {
			pool.shutdown();
		}
		assertThat(this.jdbc.sql("select count(*) from api_key where device_id = ?")
			.param(paired.deviceId())
			.query(Long.class)
			.single()).isEqualTo(1);
	}

	@Test
	void deviceKeyWhenLaterPairingAuthorizedThenOldKeyStopsAndOldPairingConflicts() {
		Paired first = pair();
		String firstKey = deviceKey(first);
		assertThat(accessToken(firstKey, first.deviceId()).status()).isEqualTo(200);

		Paired second = pair(first.model(), first.station(), first.deviceId());
		assertThat(accessToken(firstKey, first.deviceId()).status()).as("the previous key stops working").isEqualTo(401);
		Api.Response old = this.api.as(first.station()).post("/api/v1/pairings/" + first.pairingId() + "/device-key", null);
		assertThat(old.status()).isEqualTo(409);
		assertThat(old.code()).isEqualTo("not_authorized");
		String secondKey = deviceKey(second);
		Api.Response token = accessToken(secondKey, second.deviceId());
		assertThat(token.status()).isEqualTo(200);
		assertThat(token.json().path("accessToken").asString()).isEqualTo(stored(second.deviceId(), "access_token").reveal());
		assertThat(device(second.deviceId()).path("lastPairingId").asString()).isEqualTo(second.pairingId());
	}

	@Test
	void deviceKeyReissuedByAdminThenOldKeyStopsWorking() {
		Paired paired = pair();
		String lost = deviceKey(paired);
		Api.Response rekeyed = admin().post("/api/v1/devices/" + paired.deviceId() + "/device-key", null);
		assertThat(rekeyed.status()).as(rekeyed.body()).isEqualTo(201);
		assertThat(rekeyed.json().propertyNames()).containsExactlyInAnyOrder("deviceId", "deviceKey");
		String fresh = rekeyed.json().path("deviceKey").asString();
		assertThat(fresh).isNotEqualTo(lost);
		assertThat(accessToken(lost, paired.deviceId()).status()).isEqualTo(401);
		assertThat(accessToken(fresh, paired.deviceId()).status()).isEqualTo(200);
		assertThat(auditCount(paired.deviceId(), "device_key.issued")).isEqualTo(2);

		assertThat(admin().post("/api/v1/devices/" + newDeviceId() + "/device-key", null).status()).isEqualTo(404);
		assertThat(this.api.as(paired.station()).post("/api/v1/devices/" + paired.deviceId() + "/device-key", null).status())
			.isEqualTo(403);
	}

	@Test
	void deviceKeyReissuedByAdminBeforeStationFetchedItThenStationGetsConflict() {
		Paired paired = pair();
		String adminKey = admin().post("/api/v1/devices/" + paired.deviceId() + "/device-key", null)
			.json()
			.path("deviceKey")
			.asString();
		Api.Response station = this.api.as(paired.station())
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(station.code()).isEqualTo("device_key_already_issued");
		assertThat(accessToken(adminKey, paired.deviceId()).status()).isEqualTo(200);
	}

	@Test
	void deviceKeyWhenDeviceRevokedThenConflict() {
		Paired paired = pair();
		assertThat(admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).status()).isEqualTo(200);
		Api.Response byStation = this.api.as(paired.station())
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(byStation.status()).isEqualTo(409);
		assertThat(byStation.code()).isEqualTo("device_revoked");
		Api.Response byAdmin = admin().post("/api/v1/devices/" + paired.deviceId() + "/device-key", null);
		assertThat(byAdmin.code()).isEqualTo("device_revoked");
	}

}
