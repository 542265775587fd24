package io.c2cgateway.device;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refreshed tokens the database refuses for a while: Frame.io's refresh tokens work once, so the
 * new pair must be kept trying for as long as the refresh lease protects it.
 */
class DeviceTokenWriteOutageTests extends CustodyTest {

	private static final String FUNCTION = "refuse_device_update_in_window";

	private String trigger;

	private String sequence;

	@AfterEach
	void dropTrigger() {
		if (this.trigger != null) {
			this.jdbc.sql("drop trigger if exists " + this.trigger + " on device").update();
			this.trigger = null;
		}
		if (this.sequence != null) {
			this.jdbc.sql("drop sequence if exists " + this.sequence).update();
			this.sequence = null;
		}
	}

	/**
	 * Every update of the device's row fails from {@link #openWindow} on, for the window's length
	 * by the database's clock; each refusal is counted in a sequence, which a rollback leaves be.
	 */
	private String refuseUpdatesDuringWindow(String deviceId) {
		this.jdbc.sql("create table if not exists device_update_blip (device_id varchar(128) primary key, "
				+ "until timestamptz not null, refusals varchar(64) not null)").update();
		String sequence = "blip_" + Long.toHexString(System.nanoTime());
		this.jdbc.sql("create sequence " + sequence).update();
		this.sequence = sequence;
		this.jdbc.sql("create or replace function " + FUNCTION + "() returns trigger language plpgsql as $$ "
				+ "declare counter varchar; begin "
				+ "select refusals into counter from device_update_blip "
				+ "where device_id = new.device_id and clock_timestamp() < until; "
				+ "if counter is not null then perform nextval(counter); raise exception 'simulated outage'; end if; "
				+ "return new; end $$").update();
		this.trigger = "blip_" + Math.abs(deviceId.hashCode());
		this.jdbc.sql("create trigger " + this.trigger + " before update on device for each row "
				+ "execute function " + FUNCTION + "()").update();
		return sequence;
	}

	private void openWindow(String deviceId, String sequence, Duration length) {
		this.jdbc.sql("insert into device_update_blip (device_id, until, refusals) "
				+ "values (?, clock_timestamp() + make_interval(secs => ?), ?)")
			.params(deviceId, length.toMillis() / 1000.0, sequence)
			.update();
	}

	private long refusals(String sequence) {
		return this.jdbc.sql("select last_value from " + sequence).query(Long.class).single();
	}

	@Test
	void refreshedTokensAreStoredWhenTheDatabaseRefusesTheDeviceRowForTwoSecondsDuringTheRefresh() throws Exception {
		Paired paired = pair();
		String key = deviceKey(paired);
		String before = accessToken(key, paired.deviceId()).json().path("accessToken").asString();
		moveBelowMinValidity(paired.deviceId());
		String sequence = refuseUpdatesDuringWindow(paired.deviceId());
		// Frame.io rotates at once and answers a little later: the outage starts while the answer is on its way.
		this.simulator.inject(Fault.late("token_refresh", paired.deviceId(), Duration.ofMillis(300)));

		long started = System.nanoTime();
		CompletableFuture<Api.Response> holder = CompletableFuture.supplyAsync(() -> accessToken(key, paired.deviceId()));
		await("the refresh to reach Frame.io", Duration.ofSeconds(10), () -> refreshes(paired.deviceId()) == 1);
		openWindow(paired.deviceId(), sequence, Duration.ofSeconds(2));
		Api.Response waiter = accessToken(key, paired.deviceId());
		Api.Response response = holder.get();
		long tookMillis = (System.nanoTime() - started) / 1_000_000;
		System.out.println("token write outage: " + refusals(sequence) + " refused updates, answered after "
				+ tookMillis + " ms");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		String after = response.json().path("accessToken").asString();
		assertThat(after).isNotEqualTo(before);
		assertThat(waiter.status()).as("a caller that waited meanwhile: " + waiter.body()).isEqualTo(200);
		assertThat(waiter.json().path("accessToken").asString()).isEqualTo(after);
		assertThat(refusals(sequence)).as("the outage outlasted the writes of the old code").isGreaterThan(3);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(stored(paired.deviceId(), "access_token").reveal()).isEqualTo(after);
		assertThat(this.simulator.refreshTokenValid(stored(paired.deviceId(), "refresh_token").reveal())).isTrue();
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		assertThat(auditCount(paired.deviceId(), "device.tokens_refreshed")).isEqualTo(1);
		assertThat(auditCount(paired.deviceId(), "device.reauth_required")).isZero();

		Api.Response next = accessToken(key, paired.deviceId());
		assertThat(next.status()).as(next.body()).isEqualTo(200);
		assertThat(next.json().path("accessToken").asString()).isEqualTo(after);
		assertThat(refreshes(paired.deviceId())).as("no second refresh upstream").isEqualTo(1);
	}

}
