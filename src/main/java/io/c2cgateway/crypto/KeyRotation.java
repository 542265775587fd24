package io.c2cgateway.crypto;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves ciphertexts sealed with an older key to the active one, so an old key can be dropped from
 * {@code GATEWAY_CRYPTO_KEYS} once this has run. Rows are taken with {@code SKIP LOCKED}, so
 * replicas share the work and never re-seal a row twice at once. Columns that were plaintext before
 * they were sealed ({@link SealedColumn#legacyPlaintext()}) get their remaining plaintext sealed on
 * the way.
 */
@Component
public class KeyRotation {

	private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

	private static final int BATCH = 200;

	private final SecretBox box;

	private final List<SealedColumn> columns;

	private final JdbcClient jdbc;

	private final TransactionTemplate tx;

	KeyRotation(SecretBox box, List<SealedColumn> columns, JdbcClient jdbc, TransactionTemplate tx) {
		this.box = box;
		this.columns = columns;
		this.jdbc = jdbc;
		this.tx = tx;
	}

	@Scheduled(initialDelayString = "${gateway.crypto.rotation-initial-delay:1m}",
			fixedDelayString = "${gateway.crypto.rotation-every:1h}")
	void scheduled() {
		try {
			runOnce();
		}
		catch (RuntimeException ex) {
			log.warn("Re-sealing with the active key failed: {}", ex.getClass().getSimpleName());
		}
	}

	/** Re-seals every stale ciphertext; returns how many. */
	public int runOnce() {
		int total = 0;
		for (SealedColumn column : this.columns) {
			int batch;
			do {
				batch = resealBatch(column);
				total += batch;
			}
			while (batch == BATCH);
		}
		if (total > 0) {
			log.info("Re-sealed {} secrets with the active key", total);
		}
		return total;
	}

	private int resealBatch(SealedColumn column) {
		Integer done = this.tx.execute((status) -> {
			List<Row> rows = this.jdbc
				.sql("select " + column.idColumn() + "::text as id, " + column.column() + " as sealed from "
						+ column.table() + " where " + column.column() + " is not null and " + column.column()
						+ " not like ? limit " + BATCH + " for update skip locked")
				.param(likeLiteral(this.box.activePrefix()) + "%")
				.query((rs, n) -> new Row(rs.getString("id"), rs.getString("sealed")))
				.list();
			for (Row row : rows) {
				Secret secret = (column.legacyPlaintext() && !SecretBox.isSealed(row.sealed())) ? Secret.of(row.sealed())
						: this.box.open(row.sealed(), column.table(), column.name(), row.id());
				this.jdbc
					.sql("update " + column.table() + " set " + column.column() + " = ? where " + column.idColumn()
							+ "::text = ?")
					.params(this.box.seal(secret, column.table(), column.name(), row.id()), row.id())
					.update();
			}
			return rows.size();
		});
		return (done != null) ? done : 0;
	}

	/**
	 * The text as a {@code LIKE} pattern that matches only itself: key ids may hold {@code _}, a
	 * wildcard, so {@code v1.k_1.%} would also match {@code v1.kx1.} and leave those rows unmoved.
	 */
	static String likeLiteral(String text) {
		return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%");
	}

	private record Row(String id, String sealed) {
	}

}
