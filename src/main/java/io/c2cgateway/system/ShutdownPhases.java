package io.c2cgateway.system;

import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * The lifecycle phases this gateway stops in, highest first. Spring stops one phase after another
 * and, within a phase, calls every {@code stop(Runnable)} before it waits for all of them together
 * (at most {@code spring.lifecycle.timeout-per-shutdown-phase}). So whatever may wait for work in
 * flight shares one phase: the waits overlap instead of adding up. Background workers stop claiming
 * new work before any phase, as soon as the context starts closing ({@link ShutdownBudget#started()}).
 *
 * <ol>
 * <li>{@link #RELEASE}: event streams are ended (their clients reconnect elsewhere) and the change
 * listener stops. Nothing here waits for upstream calls.</li>
 * <li>{@link #DRAIN}: Boot's graceful shutdown of the web server (requests in flight finish, no new
 * ones are taken), the poll engine (in-flight polls finish, their outcomes are written, pairings are
 * handed back), the cluster jobs ({@link ClusterJobs}: the refreshes and revocations in hand finish,
 * a retention pass ends after its batch in hand) and webhook delivery (sends in flight are answered),
 * all at once, each done by {@link ShutdownBudget#drainDeadline()}.</li>
 * <li>{@code DEFAULT_PHASE - 2048}: Boot stops the web server.</li>
 * <li>{@link #AFTER_REQUESTS}: what requests needed until their end: idempotency claims stop being
 * refreshed; refreshed token pairs the database would not take yet get a last chance.</li>
 * <li>Then the beans are destroyed, the database pools last of all: everything above still writes.</li>
 * </ol>
 */
public final class ShutdownPhases {

	/** Stopped first: what holds clients or connections open but has no work in flight. */
	public static final int RELEASE = SmartLifecycle.DEFAULT_PHASE;

	/** With the web server's graceful shutdown: everything that waits for work in flight. */
	public static final int DRAIN = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;

	/** After the web server stopped: no request is running any more, the database is still there. */
	public static final int AFTER_REQUESTS = SmartLifecycle.DEFAULT_PHASE - 4096;

	private ShutdownPhases() {
	}

}
