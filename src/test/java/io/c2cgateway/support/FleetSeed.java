package io.c2cgateway.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

import javax.sql.DataSource;

/**
 * A large fleet's history written straight into the database, for benchmarks: {@code pairings}
 * pairings over 90 days before {@code now} (20 models {@code scale-0..19}, 50 stations, 70%
 * authorized, 15% expired, 3% denied, 2% failed, 10% cancelled, the newest 5,000 pending) and two
 * devices for every five pairings ({@code SCALE-0..}), 2% of them revoked, 1% needing
 * re-authorization. Pending rows are due in a day, so an engine that runs meanwhile leaves them
 * alone; they carry no device code and must not be polled.
 */
public final class FleetSeed {

	private FleetSeed() {
	}

	public static int devices(int pairings) {
		return pairings / 5 * 2;
	}

	public static void write(DataSource dataSource, int pairings, Instant now) {
		// A connection of its own: the statements run for minutes at a million rows, far beyond the
		// query timeout the gateway's JdbcClient sets.
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			// Nor the socket timeout of the test profile's pool: each statement below may take minutes.
			connection.setNetworkTimeout(Runnable::run, 0);
			String at = "timestamptz '" + now + "'";
			String devices = Integer.toString(devices(pairings));
			statement.execute("""
					insert into device_model (model, client_secret_enc, scope, default_client_version, url_pairing,
					    secret_updated_at, created_at, updated_at)
					select 'scale-' || m, 'not-a-secret', 'offline', '1.0.0', false, now(), now(), now()
					from generate_series(0, 19) as m
					on conflict do nothing
					""");
			String insertPairings = """
					insert into pairing (id, device_id, model, client_version, url_pairing, status, codes_issued, interval_s,
					    expires_at, created_at, updated_at, completed_at, failure_reason, created_by, created_by_key_id, version,
					    next_poll_at)
					select md5('scale-p' || g)::uuid,
					       case when g <= 5000 then 'SCALE-P-' || g else 'SCALE-' || (g % %DEVICES%) end,
					       'scale-' || (g % 20), '1.0.0', false,
					       case when g <= 5000 then 'PENDING'
					            when g % 100 < 70 then 'AUTHORIZED' when g % 100 < 85 then 'EXPIRED'
					            when g % 100 < 88 then 'DENIED' when g % 100 < 90 then 'FAILED' else 'CANCELLED' end,
					       1, 5,
					       %NOW% - g * interval '7776 milliseconds' + interval '15 minutes',
					       %NOW% - g * interval '7776 milliseconds',
					       %NOW% - g * interval '7776 milliseconds',
					       case when g > 5000 then %NOW% - g * interval '7776 milliseconds' + interval '2 minutes' end,
					       case when g > 5000 and g % 100 between 88 and 89 then 'invalid_grant' end,
					       'station-' || (g % 50), md5('scale-k' || (g % 50))::uuid, 1,
					       case when g <= 5000 then %NOW% + interval '1 day' end
					from generate_series(%FROM%, %TO%) as g
					""";
			// In slices of 100,000, so that no one statement runs for long.
			for (int from = 1; from <= pairings; from += 100_000) {
				statement.execute(insertPairings.replace("%NOW%", at)
					.replace("%FROM%", Integer.toString(from))
					.replace("%TO%", Integer.toString(Math.min(pairings, from + 99_999)))
					.replace("%DEVICES%", devices));
			}
			statement.execute("""
					insert into device (device_id, model, client_version, state, paired_at, last_pairing_id,
					    refresh_token_issued_at, refresh_token_expires_at)
					select 'SCALE-' || d, 'scale-' || (d % 20), '1.0.0',
					       case when d % 50 = 0 then 'REVOKED' when d % 97 = 0 then 'REAUTH_REQUIRED' else 'PAIRED' end,
					       %NOW% - d * interval '19 seconds', md5('scale-p' || d)::uuid,
					       %NOW% - d * interval '19 seconds', %NOW% - d * interval '19 seconds' + interval '365 days'
					from generate_series(0, %DEVICES% - 1) as d
					""".replace("%NOW%", at).replace("%DEVICES%", devices));
			statement.execute("analyze pairing");
			statement.execute("analyze device");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Seeding the fleet failed", ex);
		}
	}

}
