package io.c2cgateway.crypto;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves ciphertexts sealed with an older key to the active one, so an old key can be dropped from
 * {@code GATEWAY_CRYPTO_KEYS} once this has run ({@code gateway.crypto.sealed.rows} shows when).
 * Rows are taken in primary key order with {@code SKIP LOCKED}, so replicas share the work and never
 * re-seal a row twice at once; a row that will not open is passed over, not retried in a loop.
 * Columns that were plaintext before they were sealed ({@link SealedColumn#legacyPlaintext()}) get
 * their remaining plaintext sealed on the way. It runs as a cluster job ({@link KeyRotationConfiguration}).
 */
@Component
public class KeyRotation {

	private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

	private static final int BATCH = 200;

	private final SecretBox box;

	private final List<SealedColumn> columns;

	private final JdbcClient jdbc;

	private final TransactionTemplate tx;

	private final int batchSize;

	@Autowired
	KeyRotation(SecretBox box, List<SealedColumn> columns, JdbcClient jdbc, TransactionTemplate tx) {
		this(box, columns, jdbc, tx, BATCH);
	}

	KeyRotation(SecretBox box, List<SealedColumn> columns, JdbcClient jdbc, TransactionTemplate tx, int batchSize) {
		this.batchSize = batchSize;
		this.box = box;
		this.columns = columns;
		this.jdbc = jdbc;
		this.tx = tx;
	}

	/**
	 * Re-seals every stale ciphertext it can open; returns how many. A row that will not open (its
	 * key is gone, or it was damaged) is logged and left as it is: it must not keep every row after
	 * it, and every later column, sealed under a key that is meant to be removed.
	 */
	public int runOnce() {
		int total = 0;
		int skipped = 0;
		for (SealedColumn column : this.columns) {
			Progress progress = new Progress();
			try {
				int batch;
				do {
					batch = resealBatch(column, progress);
				}
				while (batch == this.batchSize);
			}
			catch (DataAccessException ex) {
				// One column's trouble (a lock timeout, a dropped table) is no reason to leave the others.
				log.warn("Re-sealing {}.{} stopped: {}", column.table(), column.column(), ex.getClass().getSimpleName());
			}
			total += progress.resealed;
			skipped += progress.skipped;
		}
		if (skipped > 0) {
			log.warn("Re-sealed {} secrets with the active key; {} could not be opened and were left as they are", total,
					skipped);
		}
		else if (total > 0) {
			log.info("Re-sealed {} secrets with the active key", total);
		}
		return total;
	}

	/** One batch after the last row seen, in primary key order, so rows left as they are are not read again. */
	private int resealBatch(SealedColumn column, Progress progress) {
		int resealedBefore = progress.resealed;
		try {
			return resealBatchInTransaction(column, progress);
		}
		catch (RuntimeException ex) {
			progress.resealed = resealedBefore;
			throw ex;
		}
	}

	private int resealBatchInTransaction(SealedColumn column, Progress progress) {
		Integer read = this.tx.execute((status) -> {
			String after = (progress.lastId != null) ? " and " + column.idColumn() + " > ?" : "";
			var statement = this.jdbc.sql("select " + column.idColumn() + " as id, " + column.column() + " as sealed from "
					+ column.table() + " where " + column.column() + " is not null and " + column.column()
					+ " not like ?" + after + " order by " + column.idColumn() + " limit " + this.batchSize
					+ " for update skip locked")
				.param(likeLiteral(this.box.activePrefix()) + "%");
			if (progress.lastId != null) {
				statement = statement.param(progress.lastId);
			}
			// The id in its own type (uuid, text, ...), so the update below finds the row by its primary key.
			List<Row> rows = statement.query((rs, n) -> new Row(rs.getObject("id"), rs.getString("sealed"))).list();
			for (Row row : rows) {
				progress.lastId = row.id();
				Secret secret;
				try {
					secret = (column.legacyPlaintext() && !SecretBox.isSealed(row.sealed())) ? Secret.of(row.sealed())
							: this.box.open(row.sealed(), column.table(), column.name(), row.id());
				}
				catch (SecretBox.CryptoException ex) {
					// Names where, never what: the message carries table, column and key id only.
					log.warn("Cannot re-seal {}.{} of row {}: {}", column.table(), column.column(), row.id(), ex.getMessage());
					progress.skipped++;
					continue;
				}
				this.jdbc.sql("update " + column.table() + " set " + column.column() + " = ? where " + column.idColumn()
						+ " = ?")
					.params(this.box.seal(secret, column.table(), column.name(), row.id()), row.id())
					.update();
				progress.resealed++;
			}
			return rows.size();
		});
		return (read != null) ? read : 0;
	}

	/**
	 * The text as a {@code LIKE} pattern that matches only itself: key ids may hold {@code _}, a
	 * wildcard, so {@code v1.k_1.%} would also match {@code v1.kx1.} and leave those rows unmoved.
	 */
	static String likeLiteral(String text) {
		return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%");
	}

	private record Row(Object id, String sealed) {
	}

	/** Where a column's run stands; rows skipped are behind lastId and not read again this run. */
	private static final class Progress {

		private Object lastId;

		private int resealed;

		private int skipped;

	}

}
