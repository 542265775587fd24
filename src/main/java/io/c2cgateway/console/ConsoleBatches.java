package io.c2cgateway.console;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.c2cgateway.security.Caller;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.utc;

/** The console's batches in PostgreSQL: visible, like pairings, to the key that started them and to admins. */
@Repository
class ConsoleBatches {

	/** Long enough to look back at a shift's work; the pairings themselves stay in the API. */
	static final Duration KEPT = Duration.ofDays(30);

	private static final TypeReference<List<BatchController.BatchRow>> ROWS = new TypeReference<>() {
	};

	private final JdbcClient jdbc;

	private final JsonMapper json;

	ConsoleBatches(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	void insert(BatchController.ConsoleBatch batch, Caller caller) {
		this.jdbc.sql("delete from console_batch where created_at < ?").param(utc(batch.startedAt().minus(KEPT))).update();
		this.jdbc.sql("insert into console_batch (id, created_by_key_id, created_at, lines) values (?, ?, ?, cast(? as jsonb))")
			.params(batch.id(), caller.keyId(), utc(batch.startedAt()), this.json.writeValueAsString(batch.rows()))
			.update();
	}

	Optional<BatchController.ConsoleBatch> find(UUID id, Caller caller) {
		return this.jdbc.sql("select id, created_by_key_id, created_at, lines::text as lines from console_batch where id = ?")
			.param(id)
			.query((rs, row) -> new Stored(rs.getObject("created_by_key_id", UUID.class),
					new BatchController.ConsoleBatch(rs.getObject("id", UUID.class), instant(rs, "created_at"),
							this.json.readValue(rs.getString("lines"), ROWS))))
			.optional()
			.filter((stored) -> caller.isAdmin() || stored.createdBy().equals(caller.keyId()))
			.map(Stored::batch);
	}

	private record Stored(UUID createdBy, BatchController.ConsoleBatch batch) {
	}

}
