package io.c2cgateway.pairing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.stereotype.Component;

import io.c2cgateway.system.AsyncStop;
import io.c2cgateway.system.ShutdownPhases;

/**
 * This replica's one listening connection: {@code LISTEN pairing_changed} (a trigger announces
 * every version change of a pairing, whoever made it) and hands each notice to the open streams.
 * The connection is its own, outside the pool: it stays open for the replica's life and a pool
 * would count it as busy forever. After the connection is lost and regained, the streams compare
 * versions with the database, since notices sent meanwhile are gone.
 */
@Component
class PairingChangeListener implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PairingChangeListener.class);

	static final String CHANNEL = "pairing_changed";

	private static final int WAIT_MILLIS = 500;

	private static final Duration CHECK_IDLE_CONNECTION = Duration.ofSeconds(30);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

	private final JdbcConnectionDetails database;

	private final PairingStreams streams;

	private volatile boolean running;

	private volatile Connection connection;

	private final AsyncTaskExecutor executor;

	/** The listening loop's thread while it runs; interrupted to end a wait between retries. */
	private volatile Thread loopThread;

	/** Completes when the listening loop has ended; null while stopped. */
	private CompletableFuture<Void> loopEnded;

	PairingChangeListener(JdbcConnectionDetails database, PairingStreams streams,
			@Qualifier("pairingChangeListenerExecutor") AsyncTaskExecutor executor) {
		this.database = database;
		this.streams = streams;
		this.executor = executor;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		CompletableFuture<Void> ended = new CompletableFuture<>();
		this.loopEnded = ended;
		this.executor.execute(() -> {
			this.loopThread = Thread.currentThread();
			try {
				loop();
			}
			finally {
				this.loopThread = null;
				ended.complete(null);
			}
		});
	}

	/** Stopped first, with the event streams it feeds: nothing of it waits for work in flight. */
	@Override
	public int getPhase() {
		return ShutdownPhases.RELEASE;
	}

	/**
	 * Ends the listening loop and closes its connection; reports to {@code callback} without
	 * holding up the caller, once the loop ended or two seconds passed.
	 */
	@Override
	public synchronized void stop(Runnable callback) {
		this.running = false;
		CompletableFuture<Void> ended = this.loopEnded;
		this.loopEnded = null;
		if (ended == null) {
			closeQuietly(this.connection);
			callback.run();
			return;
		}
		Thread listening = this.loopThread;
		if (listening != null) {
			listening.interrupt();
		}
		// The loop sees the flag within one wait for notices; one stuck connecting is cut off by the close.
		ended.completeOnTimeout(null, WAIT_MILLIS * 4L, TimeUnit.MILLISECONDS).whenCompleteAsync((done, ex) -> {
			closeQuietly(this.connection);
			callback.run();
		}, this.executor);
	}

	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void loop() {
		Duration backoff = Duration.ofSeconds(1);
		boolean connectedBefore = false;
		while (this.running) {
			try (Connection listening = connect()) {
				this.connection = listening;
				try (Statement statement = listening.createStatement()) {
					statement.execute("LISTEN " + CHANNEL);
				}
				if (connectedBefore) {
					log.info("Listening for pairing changes again");
					this.streams.resync();
				}
				connectedBefore = true;
				backoff = Duration.ofSeconds(1);
				listen(listening);
			}
			catch (SQLException | RuntimeException ex) {
				if (!this.running) {
					return;
				}
				log.warn("Pairing change listener lost its connection ({}); retrying in {}s",
						ex.getClass().getSimpleName(), backoff.toSeconds());
				if (!pause(backoff)) {
					return;
				}
				backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
			}
			finally {
				this.connection = null;
			}
		}
	}

	private void listen(Connection listening) throws SQLException {
		PGConnection pg = listening.unwrap(PGConnection.class);
		long quietSince = System.nanoTime();
		while (this.running) {
			PGNotification[] notices = pg.getNotifications(WAIT_MILLIS);
			if (notices != null && notices.length > 0) {
				quietSince = System.nanoTime();
				for (PGNotification notice : notices) {
					deliver(notice.getParameter());
				}
			}
			else if (System.nanoTime() - quietSince > CHECK_IDLE_CONNECTION.toNanos()) {
				// A connection cut without a FIN would otherwise look like a quiet database forever.
				if (!listening.isValid(5)) {
					throw new SQLException("listening connection is no longer valid");
				}
				quietSince = System.nanoTime();
			}
		}
	}

	private void deliver(String payload) {
		int colon = (payload != null) ? payload.lastIndexOf(':') : -1;
		if (colon < 0) {
			return;
		}
		try {
			this.streams.changed(UUID.fromString(payload.substring(0, colon)),
					Long.parseLong(payload.substring(colon + 1)));
		}
		catch (IllegalArgumentException malformed) {
			log.debug("Ignoring a malformed pairing change notice");
		}
	}

	private Connection connect() throws SQLException {
		Properties properties = new Properties();
		if (this.database.getUsername() != null) {
			properties.setProperty("user", this.database.getUsername());
		}
		if (this.database.getPassword() != null) {
			properties.setProperty("password", this.database.getPassword());
		}
		properties.setProperty("ApplicationName", "c2c-gateway pairing listener");
		properties.setProperty("tcpKeepAlive", "true");
		properties.setProperty("connectTimeout", "10");
		Connection connection = DriverManager.getConnection(this.database.getJdbcUrl(), properties);
		connection.setAutoCommit(true);
		return connection;
	}

	private boolean pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static void closeQuietly(Connection connection) {
		if (connection == null) {
			return;
		}
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// closing anyway
		}
	}

}
