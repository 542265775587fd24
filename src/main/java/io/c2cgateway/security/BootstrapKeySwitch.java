package io.c2cgateway.security;

import java.time.Instant;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.c2cgateway.system.SqlTime;

/**
 * Which bootstrap keys were switched off at runtime, by hash. Read from the database each time the
 * bootstrap key is presented (rare once real keys exist), never cached: switching it off on one
 * replica must end it on all of them at once.
 */
@Component
class BootstrapKeySwitch {

	private final JdbcClient jdbc;

	BootstrapKeySwitch(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	boolean isDisabled(String keyHash) {
		return this.jdbc.sql("select exists (select 1 from bootstrap_key_disabled where key_hash = ?)")
			.param(keyHash)
			.query(Boolean.class)
			.single();
	}

	/** Whether this call switched it off (false: it already was). */
	boolean disable(String keyHash, String by, Instant at) {
		return this.jdbc
			.sql("insert into bootstrap_key_disabled (key_hash, disabled_at, disabled_by) values (?, ?, ?)"
					+ " on conflict (key_hash) do nothing")
			.params(keyHash, SqlTime.utc(at), by)
			.update() == 1;
	}

}
