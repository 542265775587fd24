package io.c2cgateway.device;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceApiTests extends CustodyTest {

	@Test
	void deviceWhenPairedThenShownWithTheContractsFieldsAndNoTokens() {
		Paired paired = pair();
		Api.Response response = admin().get("/api/v1/devices/" + paired.deviceId());
		assertThat(response.status()).isEqualTo(200);
		JsonNode device = response.json();
		assertThat(device.propertyNames()).containsExactlyInAnyOrder("deviceId", "model", "clientVersion", "state",
				"pairedAt", "accessTokenExpiresAt", "refreshTokenExpiresAt", "lastRefreshAt", "lastPairingId",
				"revokedAt", "upstreamRevocation", "upstreamRevocationError");
		assertThat(device.path("deviceId").asString()).isEqualTo(paired.deviceId());
		assertThat(device.path("model").asString()).isEqualTo(paired.model());
		assertThat(device.path("clientVersion").asString()).isEqualTo("2.1.0");
		assertThat(device.path("state").asString()).isEqualTo("PAIRED");
		assertThat(device.path("lastPairingId").asString()).isEqualTo(paired.pairingId());
		Instant pairedAt = Instant.parse(device.path("pairedAt").asString());
		assertThat(Instant.parse(device.path("accessTokenExpiresAt").asString())).isEqualTo(pairedAt.plusSeconds(8 * 3600));
		assertThat(Instant.parse(device.path("refreshTokenExpiresAt").asString())).isEqualTo(pairedAt.plusSeconds(14 * 86400));
		assertThat(device.path("pairedAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
		assertThat(device.path("lastRefreshAt").isNull()).isTrue();
		assertThat(device.path("revokedAt").isNull()).isTrue();
		assertThat(device.path("upstreamRevocation").isNull()).isTrue();
		assertThat(device.path("upstreamRevocationError").isNull()).isTrue();
		assertThat(response.body()).doesNotContain(stored(paired.deviceId(), "access_token").reveal())
			.doesNotContain(stored(paired.deviceId(), "refresh_token").reveal());

		assertThat(admin().get("/api/v1/devices/" + newDeviceId()).status()).isEqualTo(404);
		assertThat(admin().get("/api/v1/devices/" + newDeviceId()).code()).isEqualTo("not_found");
		assertThat(this.api.as(paired.station()).get("/api/v1/devices/" + paired.deviceId()).status()).isEqualTo(403);
	}

	@Test
	void devicesListedByIdWithFiltersAndCursor() {
		String model = newModel();
		String station = newKey("STATION");
		List<Paired> devices = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			devices.add(pair(model, station, newDeviceId()));
		}
		List<String> ids = devices.stream().map(Paired::deviceId).sorted().toList();

		JsonNode first = admin().get("/api/v1/devices?model=" + model + "&limit=2").json();
		assertThat(first.propertyNames()).containsExactlyInAnyOrder("items", "nextCursor");
		assertThat(ids(first)).containsExactly(ids.get(0), ids.get(1));
		JsonNode second = admin().get("/api/v1/devices?model=" + model + "&limit=2&cursor=" + first.path("nextCursor").asString())
			.json();
		assertThat(ids(second)).containsExactly(ids.get(2));
		assertThat(second.path("nextCursor").isNull()).isTrue();

		assertThat(admin().post("/api/v1/devices/" + ids.get(1) + "/revoke", null).status()).isEqualTo(200);
		assertThat(ids(admin().get("/api/v1/devices?model=" + model + "&state=REVOKED").json())).containsExactly(ids.get(1));
		assertThat(ids(admin().get("/api/v1/devices?model=" + model + "&state=PAIRED&state=REAUTH_REQUIRED").json()))
			.containsExactly(ids.get(0), ids.get(2));

		Instant pairedAt = Instant.parse(device(ids.get(0)).path("pairedAt").asString());
		String soon = pairedAt.plusSeconds(14 * 86400 + 3600).toString();
		String late = pairedAt.minusSeconds(3600).toString();
		assertThat(ids(admin().get("/api/v1/devices?model=" + model + "&refreshExpiresBefore=" + soon).json()))
			.containsExactly(ids.get(0), ids.get(2));
		assertThat(ids(admin().get("/api/v1/devices?model=" + model + "&refreshExpiresBefore=" + late).json())).isEmpty();
		assertThat(admin().get("/api/v1/devices").json().path("items").size()).isLessThanOrEqualTo(50);
	}

	@Test
	void devicesListWhenFilterBreaksARuleThenValidationFailed() {
		for (String query : List.of("limit=0", "limit=501", "limit=x", "state=LOST", "refreshExpiresBefore=yesterday",
				"cursor=%25%25")) {
			Api.Response response = admin().get("/api/v1/devices?" + query);
			assertThat(response.status()).as(query).isEqualTo(400);
			assertThat(response.code()).as(query).isEqualTo("validation_failed");
			assertThat(response.json().path("errors").size()).as(query).isPositive();
		}
		assertThat(this.api.as(newKey("STATION")).get("/api/v1/devices").status()).isEqualTo(403);
		assertThat(this.api.get("/api/v1/devices").status()).isEqualTo(401);
	}

	private static List<String> ids(JsonNode page) {
		List<String> ids = new ArrayList<>();
		page.path("items").forEach((item) -> ids.add(item.path("deviceId").asString()));
		return ids;
	}

}
