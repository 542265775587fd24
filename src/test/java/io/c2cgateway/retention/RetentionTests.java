package io.c2cgateway.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.system.ClusterJob;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionTests extends IntegrationTest {

	@Autowired
	private Retention retention;

	@Autowired
	private RetentionProperties properties;

	@Test
	void pruneWhenRowsOlderThanTheirAgeThenDeletedAndYoungerOrLiveOnesKept() {
		String model = newModel();
		String station = newKey("STATION");
		Instant now = this.clock.instant();
		String old = cancelled(station, model);
		String recent = cancelled(station, model);
		String pendingLongAgo = startPairing(station, newDeviceId(), model, null).path("id").asString();
		String deviceId = newDeviceId();
		String lastOfDevice = startPairing(station, deviceId, model, null).path("id").asString();
		assertThat(this.simulator.approve(pairing(lastOfDevice).path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(lastOfDevice).path("status").asString()).isEqualTo("AUTHORIZED");
		age(old, now.minus(Duration.ofDays(31)));
		age(lastOfDevice, now.minus(Duration.ofDays(31)));
		age(recent, now.minus(Duration.ofDays(29)));
		this.jdbc.sql("update pairing set created_at = ? where id = ?")
			.params(utc(now.minus(Duration.ofDays(60))), UUID.fromString(pendingLongAgo))
			.update();
		String marker = UUID.randomUUID().toString();
		auditAt(marker + "-old", now.minus(Duration.ofDays(91)));
		auditAt(marker + "-recent", now.minus(Duration.ofDays(89)));
		String expiredKey = idempotencyKey("now() - interval '1 second'");
		String liveKey = idempotencyKey("now() + interval '1 hour'");

		Retention.Result result = this.retention.pruneNow();

		assertThat(result.pairings()).isGreaterThanOrEqualTo(1);
		assertThat(exists("pairing", "id", UUID.fromString(old))).isFalse();
		assertThat(exists("pairing", "id", UUID.fromString(recent))).isTrue();
		assertThat(exists("pairing", "id", UUID.fromString(pendingLongAgo))).isTrue();
		assertThat(exists("pairing", "id", UUID.fromString(lastOfDevice))).isTrue();
		assertThat(exists("audit_event", "subject_id", marker + "-old")).isFalse();
		assertThat(exists("audit_event", "subject_id", marker + "-recent")).isTrue();
		assertThat(exists("idempotency_key", "idempotency_key", expiredKey)).isFalse();
		assertThat(exists("idempotency_key", "idempotency_key", liveKey)).isTrue();
		assertThat(admin().get("/api/v1/pairings/" + old).status()).isEqualTo(404);
		assertThat(admin().get("/api/v1/audit-events?action=retention.pruned&limit=1").json().path("items").get(0)
			.path("detail").asString()).contains("pairings=");
	}

	/** Once per period across the cluster: ClusterJobsTests shows the scheduling itself. */
	@Test
	void retentionIsAClusterJobOfTheConfiguredPeriodSwitchedOffInTests() {
		ClusterJob job = this.retention.job();

		assertThat(job.name()).isEqualTo("retention");
		assertThat(job.every()).isEqualTo(this.properties.every());
		assertThat(job.enabled()).as("tests prune by hand").isFalse();
	}

	private String cancelled(String station, String model) {
		String id = startPairing(station, newDeviceId(), model, null).path("id").asString();
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + id).status()).isEqualTo(200);
		return id;
	}

	private void age(String pairingId, Instant completedAt) {
		this.jdbc.sql("update pairing set completed_at = ? where id = ?")
			.params(utc(completedAt), UUID.fromString(pairingId))
			.update();
	}

	private void auditAt(String subjectId, Instant at) {
		this.jdbc.sql("insert into audit_event (at, actor, action, subject_type, subject_id) values (?, 'test', 'test.aged', 'test', ?)")
			.params(utc(at), subjectId)
			.update();
	}

	private String idempotencyKey(String expiresAt) {
		String key = UUID.randomUUID().toString();
		this.jdbc.sql("insert into idempotency_key (caller_key_id, idempotency_key, claim, request_hash, state, claimed_at,"
				+ " expires_at) values (gen_random_uuid(), ?, gen_random_uuid(), 'h', 'DONE', now(), " + expiresAt + ")")
			.param(key)
			.update();
		return key;
	}

	private boolean exists(String table, String column, Object value) {
		return this.jdbc.sql("select count(*) from " + table + " where " + column + " = ?")
			.param(value)
			.query(Long.class)
			.single() > 0;
	}

	private static OffsetDateTime utc(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

}
