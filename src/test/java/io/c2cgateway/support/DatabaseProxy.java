package io.c2cgateway.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;

import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * A TCP proxy in front of the shared test database, so a test can cut the connection for real
 * ({@link #cut()}: open connections reset, new ones refused), hang it ({@link #freeze()}) and bring it
 * back ({@link #restore()}, {@link #unfreeze()}).
 */
public final class DatabaseProxy implements AutoCloseable {

	private final NioReactor reactor;

	private final TcpCrusher crusher;

	private final String jdbcUrl;

	private DatabaseProxy(NioReactor reactor, TcpCrusher crusher, String jdbcUrl) {
		this.reactor = reactor;
		this.crusher = crusher;
		this.jdbcUrl = jdbcUrl;
	}

	public static DatabaseProxy start() {
		String url = TestDatabase.properties().get("spring.datasource.url");
		URI target = URI.create(url.substring("jdbc:".length()));
		try {
			int port = freePort();
			NioReactor reactor = new NioReactor();
			TcpCrusher crusher = TcpCrusherBuilder.builder()
				.withReactor(reactor)
				.withBindAddress("127.0.0.1", port)
				.withConnectAddress(target.getHost(), target.getPort())
				.buildAndOpen();
			String proxied = "jdbc:postgresql://127.0.0.1:" + port + target.getRawPath()
					+ ((target.getRawQuery() != null) ? "?" + target.getRawQuery() : "");
			return new DatabaseProxy(reactor, crusher, proxied);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start the database proxy", ex);
		}
	}

	/** The JDBC URL that leads through the proxy. */
	public String jdbcUrl() {
		return this.jdbcUrl;
	}

	public void cut() {
		if (this.crusher.isOpen()) {
			this.crusher.close();
		}
	}

	public void restore() {
		if (!this.crusher.isOpen()) {
			this.crusher.open();
		}
	}

	/** Hangs every connection: open ones stop moving bytes (nothing is reset), as with a dead peer or route. */
	public void freeze() {
		this.crusher.freeze();
	}

	public void unfreeze() {
		this.crusher.unfreeze();
	}

	@Override
	public void close() {
		cut();
		this.reactor.close();
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
