package io.c2cgateway.support;

import java.util.function.Function;

/**
 * A second gateway whose database connections run through a {@link DatabaseProxy}, so a test can
 * cut or hang them. Closing reconnects first, so the replica can hand its work back, then stops both.
 */
public final class ProxiedReplica implements AutoCloseable {

	private final DatabaseProxy proxy;

	private final SecondReplica replica;

	private ProxiedReplica(DatabaseProxy proxy, SecondReplica replica) {
		this.proxy = proxy;
		this.replica = replica;
	}

	/** Starts a proxy, then the replica {@code start} makes with the proxy's JDBC URL. */
	public static ProxiedReplica start(Function<String, SecondReplica> start) {
		DatabaseProxy proxy = DatabaseProxy.start();
		try {
			return new ProxiedReplica(proxy, start.apply(proxy.jdbcUrl()));
		}
		catch (RuntimeException ex) {
			proxy.close();
			throw ex;
		}
	}

	public DatabaseProxy proxy() {
		return this.proxy;
	}

	public SecondReplica replica() {
		return this.replica;
	}

	@Override
	public void close() {
		try {
			this.proxy.restore();
			this.replica.close();
		}
		finally {
			this.proxy.close();
		}
	}

}
