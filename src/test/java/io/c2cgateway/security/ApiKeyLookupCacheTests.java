package io.c2cgateway.security;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Key lookups are cached for a moment on each replica; a deleted key must still stop working
 * within one second everywhere.
 */
class ApiKeyLookupCacheTests extends IntegrationTest {

	private static final Duration LIMIT = Duration.ofSeconds(1);

	@Test
	void keyDeletedOnOneReplicaIsRefusedOnTheOtherWithinOneSecond() {
		Api.Response created = admin().post("/api/v1/api-keys",
				"{\"name\": \"cached-" + UUID.randomUUID().toString().substring(0, 8) + "\", \"role\": \"STATION\"}");
		assertThat(created.status()).isEqualTo(201);
		String key = created.json().path("key").asString();
		String id = created.json().path("id").asString();
		try (SecondReplica second = SecondReplica.start("key-cache-replica")) {
			Api other = Api.at(second.port()).as(key);
			Api here = this.api.as(key);
			// Both replicas have looked the key up and hold it.
			assertThat(other.get("/api/v1/pairings").status()).isEqualTo(200);
			assertThat(here.get("/api/v1/pairings").status()).isEqualTo(200);

			assertThat(admin().delete("/api/v1/api-keys/" + id).status()).isEqualTo(204);
			long deleted = System.nanoTime();

			assertThat(here.get("/api/v1/pairings").status()).as("the replica that deleted it").isEqualTo(401);
			assertThat(refusedWithin(other, deleted)).as("refused on the other replica within 1 s").isTrue();
		}
	}

	@Test
	void keyRevokedInTheDatabaseBehindTheReplicasBackIsRefusedWithinOneSecond() {
		String key = newKey("STATION");
		Api caller = this.api.as(key);
		assertThat(caller.get("/api/v1/pairings").status()).isEqualTo(200);

		this.jdbc.sql("update api_key set revoked_at = now() where key_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex')")
			.param(key)
			.update();
		long revoked = System.nanoTime();

		assertThat(refusedWithin(caller, revoked)).isTrue();
	}

	/** Polls until the key is refused; whether that happened within {@link #LIMIT} of {@code since}. */
	private static boolean refusedWithin(Api caller, long since) {
		while (true) {
			int status = caller.get("/api/v1/pairings").status();
			long elapsed = System.nanoTime() - since;
			if (status == 401) {
				return elapsed <= LIMIT.toNanos();
			}
			assertThat(status).isEqualTo(200);
			if (elapsed > LIMIT.toNanos()) {
				return false;
			}
			Thread.onSpinWait();
		}
	}

}
