package io.c2cgateway.support;

import org.springframework.context.SmartLifecycle;

import io.c2cgateway.system.ShutdownPhases;

/**
 * A lifecycle bean that runs its work when the context stops it in the drain phase, where the web
 * server's graceful shutdown lets requests in flight finish: what they need must still work then.
 */
public final class DuringDrain implements SmartLifecycle {

	private final Runnable work;

	private volatile boolean running;

	public DuringDrain(Runnable work) {
		this.work = work;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		try {
			this.work.run();
		}
		finally {
			this.running = false;
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

}
