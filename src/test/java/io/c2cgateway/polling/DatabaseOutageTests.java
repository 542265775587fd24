package io.c2cgateway.polling;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** An outcome the database refuses to take is kept and written once it takes it again. */
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

}
