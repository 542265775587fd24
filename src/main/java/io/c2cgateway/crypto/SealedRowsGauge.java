package io.c2cgateway.crypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * {@code gateway.crypto.sealed.rows{key_id}}: stored secrets sealed under each key id, in the whole
 * cluster. An old key may leave {@code GATEWAY_CRYPTO_KEYS} once its count is 0. Counted on a timer,
 * never during a scrape (each count reads every sealed column in full); every key of the ring is
 * reported, with 0 when nothing uses it, and so is any id the ring lacks that rows still use.
 * NaN while the count cannot be taken. Every replica reports the same numbers: aggregate with max.
 */
@Component
class SealedRowsGauge {

	static final String NAME = "gateway.crypto.sealed.rows";

	static final long REFRESH_MINUTES = 5;

	private static final Logger log = LoggerFactory.getLogger(SealedRowsGauge.class);

	/** A ciphertext with a well-formed key id, as {@link KeysInUse} reads it. */
	private static final String SEALED = "^" + SecretBox.VERSION + "\\." + KeyRing.KEY_ID_REGEX + "\\.";

	private final SecretBox box;

	private final List<SealedColumn> columns;

	private final JdbcClient jdbc;

	private final MultiGauge gauge;

	private volatile Map<String, Double> last = Map.of();

	SealedRowsGauge(SecretBox box, List<SealedColumn> columns, JdbcClient jdbc, MeterRegistry meters) {
		this.box = box;
		this.columns = columns;
		this.jdbc = jdbc;
		this.gauge = MultiGauge.builder(NAME)
			.description("Stored secrets sealed under each crypto key id, counted every " + REFRESH_MINUTES + " min")
			.register(meters);
		Map<String, Double> unknown = new TreeMap<>();
		this.box.keyIds().forEach((id) -> unknown.put(id, Double.NaN));
		publish(unknown);
	}

	@Scheduled(initialDelay = 30, fixedDelay = REFRESH_MINUTES * 60, timeUnit = TimeUnit.SECONDS)
	void refresh() {
		Map<String, Double> counts = new TreeMap<>();
		this.box.keyIds().forEach((id) -> counts.put(id, 0.0));
		try {
			for (SealedColumn column : this.columns) {
				String keyId = "split_part(" + column.column() + ", '.', 2)";
				this.jdbc
					.sql("select " + keyId + " as key_id, count(*) as n from " + column.table() + " where "
							+ column.column() + " ~ ? group by 1")
					.param(SEALED)
					.query((rs, n) -> counts.merge(rs.getString("key_id"), (double) rs.getLong("n"), Double::sum))
					.list();
			}
		}
		catch (RuntimeException ex) {
			log.debug("Counting sealed rows per key id failed: {}", ex.getClass().getSimpleName());
			counts.replaceAll((id, count) -> Double.NaN);
			this.last.keySet().forEach((id) -> counts.put(id, Double.NaN));
		}
		publish(counts);
	}

	private void publish(Map<String, Double> counts) {
		this.last = Map.copyOf(counts);
		List<MultiGauge.Row<?>> rows = new ArrayList<>();
		counts.forEach((id, count) -> rows.add(MultiGauge.Row.of(Tags.of("key_id", id), count)));
		// Overwrite: an id no row and no key uses any more disappears instead of staying at its last count.
		this.gauge.register(rows, true);
	}

}
