package io.c2cgateway.polling;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;

import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.TestDatabase;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * An outcome the database refuses to take is kept and written once it takes it again; one it
 * refuses for its content ends visibly; a lease check that fails loses no pairing.
 */
class DatabaseOutageTests extends IntegrationTest {

	private String trigger;

	@AfterEach
	void dropTrigger() {
		if (this.trigger != null) {
			this.jdbc.sql("drop trigger if exists " + this.trigger + " on pairing").update();
		}
	}

	private void refuseUpdatesOf(String deviceId) {
		this.trigger = "refuse_" + Math.abs(deviceId.hashCode());
		this.jdbc.sql("""
				create or replace function refuse_pairing_update() returns trigger language plpgsql as $$
				begin
				  if new.device_id = tg_argv[0] then raise exception 'simulated outage'; end if;
				  return new;
				end $$""").update();
		this.jdbc.sql("create trigger " + this.trigger + " before update on pairing for each row "
				+ "execute function refuse_pairing_update('" + deviceId + "')").update();
	}

	@Test
	void tokensReceivedWhileWritesFailAreKeptAndStoredWhenTheDatabaseRecovers() {
		String deviceId = newDeviceId();
		JsonNode started = startPairing(newKey("STATION"), deviceId, newModel(), null);
		this.simulator.approve(started.path("userCode").asString());
		this.engine.runOnce();
		refuseUpdatesOf(deviceId);
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
		assertThat(pollsOf(deviceId)).hasSize(1);

		dropTrigger();
		this.engine.runOnce();
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(pollsOf(deviceId)).as("the code was not polled again meanwhile").hasSize(1);
	}

	@Test
	void pendingOutcomeThatCouldNotBeWrittenDoesNotLoseThePairing() {
		String deviceId = newDeviceId();
		JsonNode started = startPairing(newKey("STATION"), deviceId, newModel(), null);
		this.engine.runOnce();
		refuseUpdatesOf(deviceId);
		advanceAndPoll(Duration.ofSeconds(5));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pollsOf(deviceId)).as("no poll while its last outcome is unwritten").hasSize(1);
		dropTrigger();
		this.engine.runOnce();
		assertThat(pollsOf(deviceId)).as("written now, and long due").hasSize(2);
		advanceAndPoll(Duration.ofSeconds(4));
		assertThat(pollsOf(deviceId)).hasSize(2);
		advanceAndPoll(Duration.ofSeconds(1));
		assertThat(pollsOf(deviceId)).hasSize(3);
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
	}

	@Test
	void outcomeRefusedForItsContentThreeTimesThenPairingEndsFailedAndIsNoLongerHeld() {
		String deviceId = newDeviceId();
		JsonNode started = startPairing(newKey("STATION"), deviceId, newModel(), null);
		String id = started.path("id").asString();
		this.engine.runOnce();
		int held = this.engine.trackedCount();
		// A constraint the row breaks whatever happens: only the DENIED write is refused, for good.
		this.trigger = "refuse_denied_" + Math.abs(deviceId.hashCode());
		this.jdbc.sql("""
				create or replace function refuse_denied() returns trigger language plpgsql as $$
				begin
				  if new.device_id = tg_argv[0] and new.status = 'DENIED' then
				    raise exception 'simulated constraint' using errcode = 'check_violation';
				  end if;
				  return new;
				end $$""").update();
		this.jdbc.sql("create trigger " + this.trigger + " before update on pairing for each row "
				+ "execute function refuse_denied('" + deviceId + "')").update();
		this.simulator.deny(started.path("userCode").asString());

		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).as("refused once: kept and retried").isEqualTo("PENDING");
		this.engine.runOnce();
		this.engine.runOnce();

		JsonNode ended = pairing(id);
		assertThat(ended.path("status").asString()).isEqualTo("FAILED");
		assertThat(ended.path("failureReason").asString()).isEqualTo("unwritable_outcome");
		assertThat(this.engine.trackedCount()).as("no longer held, its permit free").isEqualTo(held - 1);
		assertThat(pollsOf(deviceId)).hasSize(1);
	}

	@Test
	void leaseCheckThatFailsPutsTheDuePairingsBackOnTheSchedule() throws Exception {
		String deviceId = newDeviceId();
		startPairing(newKey("STATION"), deviceId, newModel(), null);
		this.engine.runOnce();
		this.clock.advance(Duration.ofSeconds(5));
		Map<String, String> database = TestDatabase.properties();
		try (Connection migration = DriverManager.getConnection(database.get("spring.datasource.url"),
				database.get("spring.datasource.username"), database.get("spring.datasource.password"))) {
			// As a migration would: the engine's lease check waits for the lock until its statement timeout.
			migration.setAutoCommit(false);
			try (Statement statement = migration.createStatement()) {
				statement.execute("lock table pairing in access exclusive mode");
			}
			assertThatExceptionOfType(DataAccessException.class).isThrownBy(this.engine::dispatchNow);
			migration.rollback();
		}
		assertThat(pollsOf(deviceId)).isEmpty();

		// The shared engine may hold other tests' pairings, due as well: ours must be among those sent.
		assertThat(this.engine.dispatchNow()).as("still on the schedule").isPositive();
		await().atMost(Duration.ofSeconds(10)).until(() -> pollsOf(deviceId).size() == 1);
		this.engine.runOnce();
	}

}
