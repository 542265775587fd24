package io.c2cgateway.polling;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.TestDatabase;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every connection of the shared pool taken, as a flood of slow requests would: the engine keeps
 * its lease and its schedule on its own pool (reading there a model's secret it does not hold), and what needs the shared pool (an authorization
 * with its custody and audit writes) waits and is written once a connection is free.
 */
class PoolStarvationTests extends IntegrationTest {

	@Autowired
	private HikariDataSource shared;

	@Test
	void sharedPoolExhaustedThenEngineKeepsItsLeaseAndPollsOnScheduleAndAuthorizationWaits() throws Exception {
		String station = newKey("STATION");
		String model = newModel();
		String waiting = newDeviceId();
		String approved = newDeviceId();
		String waitingId = startPairing(station, waiting, model, null).path("id").asString();
		JsonNode approvedPairing = startPairing(station, approved, model, null);
		String approvedId = approvedPairing.path("id").asString();
		this.engine.runOnce();
		String owner = row(waitingId).get("lease_owner").toString();
		this.simulator.approve(approvedPairing.path("userCode").asString());
		// The model changes, so this replica no longer holds its secret: the engine has to read it
		// again while the shared pool has nothing to give (as for a pairing taken over from another
		// replica), and must do so on its own pool.
		Api.Response changed = admin().put("/api/v1/device-models/" + model,
				"{\"clientSecret\": \"secret-of-" + model + "\", \"defaultClientVersion\": \"1.0.0\"}");
		assertThat(changed.status()).as(changed.body()).isEqualTo(200);

		List<Connection> taken = takeEveryConnection();
		long started = System.nanoTime();
		try {
			advanceAndPoll(Duration.ofSeconds(5));
			advanceAndPoll(Duration.ofSeconds(5));
			System.out.printf("shared pool exhausted: two engine rounds took %d ms%n",
					Duration.ofNanos(System.nanoTime() - started).toMillis());
			assertThat(pollsOf(waiting)).as("polled on schedule, each interval").hasSize(2);
			assertThat(row(waitingId)).containsEntry("lease_owner", owner)
				.containsEntry("status", "PENDING");
			assertThat(((java.sql.Timestamp) row(waitingId).get("next_poll_at")).toInstant())
				.isEqualTo(this.clock.instant().plusSeconds(5));
			assertThat(pollsOf(approved)).as("answered with tokens once, not polled again while they wait").hasSize(1);
			assertThat(row(approvedId)).containsEntry("status", "PENDING");
		}
		finally {
			for (Connection connection : taken) {
				connection.close();
			}
		}
		this.engine.runOnce();
		assertThat(row(approvedId)).containsEntry("status", "AUTHORIZED");
		assertThat(admin().get("/api/v1/devices/" + approved).json().path("state").asString()).isEqualTo("PAIRED");
		assertThat(pollsOf(approved)).hasSize(1);
	}

	private List<Connection> takeEveryConnection() throws SQLException {
		List<Connection> taken = new ArrayList<>();
		try {
			while (taken.size() < this.shared.getMaximumPoolSize()) {
				taken.add(this.shared.getConnection());
			}
		}
		catch (SQLException ex) {
			for (Connection connection : taken) {
				connection.close();
			}
			throw ex;
		}
		return taken;
	}

	/** Read on a connection of its own: the shared pool has none to give. */
	private Map<String, Object> row(String id) throws SQLException {
		Map<String, String> database = TestDatabase.properties();
		try (Connection connection = DriverManager.getConnection(database.get("spring.datasource.url"),
				database.get("spring.datasource.username"), database.get("spring.datasource.password"))) {
			return new JdbcTemplate(new SingleConnectionDataSource(connection, true))
				.queryForMap("select status, lease_owner, next_poll_at from pairing where id = ?::uuid", id);
		}
	}

}
