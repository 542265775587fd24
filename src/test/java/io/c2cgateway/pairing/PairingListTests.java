package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Filtered lists are answered by one query per status (pending and finished pairings live on
 * different indexes); merged, they must read exactly like one list ordered newest first, page after
 * page.
 */
class PairingListTests extends IntegrationTest {

	private String model;

	/** Ids newest first, with their final status, as the list should show them. */
	private final List<String[]> created = new ArrayList<>();

	@BeforeEach
	void sevenPairingsInFourStatuses() {
		this.model = newModel();
		this.created.clear();
		String station = newKey("STATION");
		String[] plan = { "PENDING", "CANCELLED", "AUTHORIZED", "PENDING", "DENIED", "CANCELLED", "AUTHORIZED" };
		List<JsonNode> started = new ArrayList<>();
		for (String ignored : plan) {
			started.add(startPairing(station, newDeviceId(), this.model, null));
			this.clock.advance(Duration.ofMillis(10));
		}
		for (int i = 0; i < plan.length; i++) {
			String id = started.get(i).path("id").asString();
			String userCode = started.get(i).path("userCode").asString();
			switch (plan[i]) {
				case "CANCELLED" -> assertThat(this.api.as(station).delete("/api/v1/pairings/" + id).status()).isEqualTo(200);
				case "AUTHORIZED" -> assertThat(this.simulator.approve(userCode)).isTrue();
				case "DENIED" -> assertThat(this.simulator.deny(userCode)).isTrue();
				default -> {
				}
			}
			this.created.add(0, new String[] { id, plan[i] });
		}
		advanceAndPoll(Duration.ofSeconds(5));
		for (String[] pairing : this.created) {
			assertThat(pairing(pairing[0]).path("status").asString()).as(pairing[0]).isEqualTo(pairing[1]);
		}
	}

	@Test
	void listByModelWhenPagedTwoAtATimeThenPendingAndFinishedInterleaveNewestFirst() {
		assertThat(pageThrough("model=" + this.model)).containsExactlyElementsOf(expected());
	}

	@Test
	void listBySeveralStatusesThenOnlyThoseNewestFirstAcrossPages() {
		assertThat(pageThrough("model=" + this.model + "&status=CANCELLED&status=PENDING&status=AUTHORIZED"))
			.containsExactlyElementsOf(expected("CANCELLED", "PENDING", "AUTHORIZED"));
		assertThat(pageThrough("model=" + this.model + "&status=DENIED")).containsExactlyElementsOf(expected("DENIED"));
	}

	@Test
	void listWhenAStatusIsNamedTwiceThenEachPairingOnce() {
		assertThat(pageThrough("model=" + this.model + "&status=PENDING&status=PENDING"))
			.containsExactlyElementsOf(expected("PENDING"));
	}

	@Test
	void listByDeviceThenItsPairingsWhateverTheirStatus() {
		for (String[] pairing : this.created) {
			String deviceId = pairing(pairing[0]).path("deviceId").asString();
			assertThat(pageThrough("deviceId=" + deviceId)).containsExactly(pairing[0]);
		}
	}

	private List<String> expected(String... statuses) {
		List<String> wanted = List.of(statuses);
		return this.created.stream()
			.filter((pairing) -> wanted.isEmpty() || wanted.contains(pairing[1]))
			.map((pairing) -> pairing[0])
			.toList();
	}

	private List<String> pageThrough(String filter) {
		List<String> ids = new ArrayList<>();
		String cursor = null;
		do {
			JsonNode page = admin().get("/api/v1/pairings?limit=2&" + filter + ((cursor != null) ? "&cursor=" + cursor : ""))
				.json();
			page.path("items").forEach((item) -> ids.add(item.path("id").asString()));
			cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asString();
		}
		while (cursor != null);
		return ids;
	}

}
