package io.c2cgateway.polling;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * The engine's connection pool, on the same database as the shared one. Not a {@code DataSource}
 * bean: one of those would replace the application's own. Its meters are {@code hikaricp_*} with
 * {@code pool="engine"}.
 */
final class EngineDatabase implements AutoCloseable {

	private final HikariDataSource pool;

	private final JdbcTemplate jdbc;

	private final DataSourceTransactionManager transactions;

	EngineDatabase(JdbcConnectionDetails database, PollingProperties.Database settings, MeterRegistry meters) {
		HikariConfig config = new HikariConfig();
		config.setPoolName("engine");
		config.setJdbcUrl(database.getJdbcUrl());
		config.setUsername(database.getUsername());
		config.setPassword(database.getPassword());
		config.setMaximumPoolSize(settings.poolSize());
		config.setMinimumIdle(1);
		config.setConnectionTimeout(settings.connectionTimeout().toMillis());
		config.setKeepaliveTime(60_000);
		// pgjdbc settings, in seconds; the statement timeout is the server's, in ms.
		config.addDataSourceProperty("connectTimeout", Math.max(1, settings.connectionTimeout().toSeconds()));
		config.addDataSourceProperty("socketTimeout", Math.max(1, settings.socketTimeout().toSeconds()));
		config.addDataSourceProperty("tcpKeepAlive", true);
		config.addDataSourceProperty("options", "-c statement_timeout=" + settings.statementTimeout().toMillis());
		// Starting must not wait for the database: readiness says when it is there.
		config.setInitializationFailTimeout(-1);
		config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
		this.pool = new HikariDataSource(config);
		this.jdbc = new JdbcTemplate(this.pool);
		this.transactions = new DataSourceTransactionManager(this.pool);
	}

	JdbcTemplate jdbc() {
		return this.jdbc;
	}

	DataSourceTransactionManager transactions() {
		return this.transactions;
	}

	@Override
	public void close() {
		this.pool.close();
	}

}
