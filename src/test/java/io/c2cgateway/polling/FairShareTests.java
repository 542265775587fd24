package io.c2cgateway.polling;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FairShareTests {

	private static PollingProperties properties(int maxHeld) {
		return new PollingProperties(true, Duration.ofSeconds(15), Duration.ofMillis(50), Duration.ofSeconds(1),
				Duration.ofSeconds(10), 500, 256, Duration.ofSeconds(60), 500, 0.1, maxHeld, null,
				Duration.ZERO);
	}

	@Test
	void replicaHoldingEverythingWhenASecondJoinsHandsBackDownToItsShare() {
		FairShare fair = FairShare.of(new PollStore.Census(2, 60), properties(100_000));
		assertThat(fair.share()).isEqualTo(30);
		assertThat(fair.excess(60)).isEqualTo(30);
		assertThat(fair.budget(0)).isEqualTo(34);
	}

	@Test
	void replicaWithinTheMarginNeitherClaimsNorHandsBack() {
		FairShare fair = FairShare.of(new PollStore.Census(2, 60), properties(100_000));
		assertThat(fair.excess(38)).isZero();
		assertThat(fair.excess(39)).isEqualTo(9);
		assertThat(fair.budget(34)).isZero();
		assertThat(fair.budget(36)).isZero();
	}

	@Test
	void shareRoundsUpSoThatTheReplicasTogetherCanHoldEveryPairing() {
		FairShare fair = FairShare.of(new PollStore.Census(3, 100), properties(100_000));
		assertThat(fair.share()).isEqualTo(34);
		assertThat(FairShare.of(new PollStore.Census(0, 5), properties(100_000)).share())
			.as("no live replica counted yet: this one is alone")
			.isEqualTo(5);
	}

	@Test
	void noReplicaHoldsMoreThanItsConcurrencyCanServe() {
		FairShare fair = FairShare.of(new PollStore.Census(1, 50_000), properties(20_000));
		assertThat(fair.budget(0)).isEqualTo(20_000);
		assertThat(fair.excess(20_000)).isZero();
		assertThat(fair.excess(20_001)).isEqualTo(1);
	}

	@Test
	void aLoneReplicaWhosePendingPairingsWereNotCountedMayHoldAsManyAsItCanServe() {
		FairShare fair = FairShare.of(new PollStore.Census(1, PollStore.Census.NOT_COUNTED), properties(20_000));
		assertThat(fair.budget(0)).isEqualTo(20_000);
		assertThat(fair.budget(19_990)).isEqualTo(10);
		assertThat(fair.excess(20_000)).isZero();
	}

}
