package io.c2cgateway.crypto;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.c2cgateway.system.InvalidConfigurationException;

/**
 * Refuses to start a replica whose {@code GATEWAY_CRYPTO_KEYS} lacks a key that stored secrets are
 * sealed with (an old key removed before rotation had moved every row): it could open none of
 * them, and would fail pairings and devices one by one instead. Runs once all beans exist, before
 * the web server and the poll engine start; one query per sealed column, which reads only the key
 * ids the ring does not list (usually none), compared as strings, not as {@code LIKE} patterns.
 */
@Component
class KeysInUse implements SmartInitializingSingleton {

	private static final Logger log = LoggerFactory.getLogger(KeysInUse.class);

	/** A ciphertext with a well-formed key id: {@code v1.<keyId>.}; anything else no ring opens anyway. */
	private static final String SEALED = "^" + SecretBox.VERSION + "\\." + KeyRing.KEY_ID_REGEX + "\\.";

	/** Enough to name in one line. */
	private static final int MOST_PER_COLUMN = 10;

	private final SecretBox box;

	private final List<SealedColumn> columns;

	private final JdbcClient jdbc;

	KeysInUse(SecretBox box, List<SealedColumn> columns, JdbcClient jdbc) {
		this.box = box;
		this.columns = columns;
		this.jdbc = jdbc;
	}

	@Override
	public void afterSingletonsInstantiated() {
		Map<String, Set<String>> missing;
		try {
			missing = missing();
		}
		catch (DataAccessException ex) {
			// Flyway has just reached the database, so this is rare (a statement timeout on a huge
			// table, say); a replica that cannot tell starts, as before this check existed.
			log.warn("Could not check which crypto key ids stored secrets use ({}); starting without that check",
					ex.getClass().getSimpleName());
			return;
		}
		if (!missing.isEmpty()) {
			throw new InvalidConfigurationException(message(missing));
		}
	}

	/** Key ids that sealed values use and the ring lacks, each with the columns ({@code table.column}) holding them. */
	Map<String, Set<String>> missing() {
		String[] known = this.box.keyIds().toArray(new String[0]);
		Map<String, Set<String>> missing = new TreeMap<>();
		for (SealedColumn column : this.columns) {
			String keyId = "split_part(" + column.column() + ", '.', 2)";
			List<String> ids = this.jdbc
				.sql("select distinct " + keyId + " from " + column.table() + " where " + column.column() + " ~ ? and "
						+ keyId + " <> all(?) limit " + MOST_PER_COLUMN)
				.params(SEALED, known)
				.query(String.class)
				.list();
			for (String id : ids) {
				missing.computeIfAbsent(id, (key) -> new TreeSet<>()).add(column.table() + "." + column.column());
			}
		}
		return missing;
	}

	private static String message(Map<String, Set<String>> missing) {
		boolean one = missing.size() == 1;
		String ids = missing.keySet().stream().map((id) -> "'" + id + "'").collect(Collectors.joining(", "));
		String where = missing.values().stream().flatMap(Set::stream).distinct().sorted().collect(Collectors.joining(", "));
		return KeyRing.SETTING + " lacks the key id" + (one ? " " : "s ") + ids + " that stored secrets are sealed with ("
				+ where + "): put " + (one ? "that key" : "those keys") + " back after the active key, as "
				+ (one ? "a secondary key" : "secondary keys") + ", until key rotation has re-sealed every row with the active key";
	}

}
