package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.c2cgateway.support.StoreSlice;

import static io.c2cgateway.system.SqlTime.utc;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refresh lease of a device and the version fence of its tokens, against the shared test
 * database without the application: JDBC, Flyway and this store only. Each test runs in a
 * transaction that is rolled back, so {@code now()} stands still within a test.
 */
@StoreSlice
class DeviceStoreFencingTests {

	private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

	private static final Duration TTL = Duration.ofSeconds(30);

	@Autowired
	private JdbcClient jdbc;

	private DeviceStore store;

	private String model;

	@BeforeEach
	void store() {
		this.store = new DeviceStore(this.jdbc);
		this.model = "m-" + UUID.randomUUID().toString().substring(0, 8);
		this.jdbc.sql("""
				insert into device_model (model, client_secret_enc, scope, default_client_version, url_pairing,
				    secret_updated_at, created_at, updated_at)
				values (?, 'sealed', 'offline', '1.0.0', false, ?, ?, ?)
				""").params(this.model, utc(NOW), utc(NOW), utc(NOW)).update();
	}

	@Test
	void aLiveLeaseIsNotTakenByAnotherOwnerNorForAStaleVersion() {
		String device = pairedDevice(3, null, null);

		assertThat(this.store.acquireLease(device, 2, "replica-a~1", TTL)).as("stale version").isEmpty();
		assertThat(this.store.acquireLease(device, 3, "replica-a~1", TTL)).isPresent();
		assertThat(this.store.acquireLease(device, 3, "replica-b~1", TTL)).as("lease held").isEmpty();
		assertThat(row(device)).containsEntry("refresh_lease_owner", "replica-a~1");
	}

	@Test
	void aLeaseThatRanOutIsTakenOverAndNamesItsPreviousOwner() {
		String device = pairedDevice(1, "replica-a~1", "now() - interval '1 second'");

		DeviceStore.Claim claim = this.store.acquireLease(device, 1, "replica-b~2", TTL).orElseThrow();

		assertThat(claim.previousOwner()).isEqualTo("replica-a~1");
		assertThat(row(device)).containsEntry("refresh_lease_owner", "replica-b~2");
	}

	@Test
	void onlyTheOwnerRenewsReleasesOrFailsItsLease() {
		String device = pairedDevice(1, "replica-a~1", "now() + interval '30 seconds'");

		assertThat(this.store.renewLease(device, "replica-b~1", TTL)).isFalse();
		this.store.release(device, "replica-b~1");
		this.store.releaseWithFailure(device, "replica-b~1", "upstream_unavailable", NOW);
		assertThat(row(device)).containsEntry("refresh_lease_owner", "replica-a~1").containsEntry("refresh_failure", null);

		assertThat(this.store.renewLease(device, "replica-a~1", TTL)).isTrue();
		this.store.releaseWithFailure(device, "replica-a~1", "upstream_unavailable", NOW);
		assertThat(row(device)).containsEntry("refresh_lease_owner", null)
			.containsEntry("refresh_failed_by", "replica-a~1")
			.containsEntry("refresh_failure", "upstream_unavailable");
	}

	@Test
	void refreshedTokensAreFencedByVersionSoALostLeaseDoesNotThrowThemAway() {
		String device = pairedDevice(4, "replica-b~9", "now() + interval '30 seconds'");

		assertThat(store(device, 3)).as("stale version").isFalse();
		assertThat(row(device)).containsEntry("version", 4L).containsEntry("refresh_token_enc", "sealed-refresh");

		assertThat(store(device, 4)).as("lease of another owner").isTrue();
		assertThat(row(device)).containsEntry("version", 5L)
			.containsEntry("refresh_token_enc", "sealed-new-refresh")
			.containsEntry("refresh_lease_owner", null);
	}

	@Test
	void aDeviceThatIsNoLongerPairedTakesNoLeaseNoTokensAndNoReauthMark() {
		String device = pairedDevice(2, null, null);
		assertThat(this.store.revoke(device, NOW)).isTrue();
		long version = (Long) row(device).get("version");

		assertThat(this.store.acquireLease(device, version, "replica-a~1", TTL)).isEmpty();
		assertThat(store(device, version)).isFalse();
		assertThat(this.store.markReauthRequired(device, version)).isFalse();
		assertThat(row(device)).containsEntry("state", "REVOKED");
	}

	@Test
	void reauthMarkIsFencedByVersion() {
		String device = pairedDevice(7, "replica-a~1", "now() + interval '30 seconds'");

		assertThat(this.store.markReauthRequired(device, 6)).isFalse();
		assertThat(this.store.markReauthRequired(device, 7)).isTrue();
		assertThat(row(device)).containsEntry("state", "REAUTH_REQUIRED").containsEntry("refresh_lease_owner", null);
	}

	private boolean store(String device, long version) {
		return this.store.storeRefreshed(device, version, "sealed-new-access", NOW.plusSeconds(3600),
				"sealed-new-refresh", NOW, NOW.plus(Duration.ofDays(30)), true, NOW.plus(Duration.ofDays(15)), NOW);
	}

	/** A paired device at {@code version}, leased to {@code owner} until the SQL {@code until} (or free). */
	private String pairedDevice(long version, String owner, String until) {
		String device = "SN-" + UUID.randomUUID().toString().substring(0, 13);
		this.jdbc.sql("""
				insert into device (device_id, model, client_version, state, access_token_enc, access_token_expires_at,
				    refresh_token_enc, refresh_token_issued_at, refresh_token_expires_at, paired_at, last_pairing_id,
				    version, refresh_lease_owner, refresh_lease_until)
				values (:device, :model, '1.0.0', 'PAIRED', 'sealed-access', :expires, 'sealed-refresh', :now,
				    :refreshExpires, :now, :pairing, :version, :owner, %s)
				""".formatted((until != null) ? until : "null"))
			.param("device", device)
			.param("model", this.model)
			.param("expires", utc(NOW.plusSeconds(600)))
			.param("now", utc(NOW))
			.param("refreshExpires", utc(NOW.plus(Duration.ofDays(30))))
			.param("pairing", UUID.randomUUID())
			.param("version", version)
			.param("owner", owner)
			.update();
		return device;
	}

	private Map<String, Object> row(String device) {
		return this.jdbc.sql("""
				select state, version, refresh_lease_owner, refresh_token_enc, refresh_failed_by, refresh_failure
				from device where device_id = ?
				""").param(device).query().singleRow();
	}

}
