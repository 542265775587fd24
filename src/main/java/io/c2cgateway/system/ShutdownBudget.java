package io.c2cgateway.system;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;

/**
 * The one time budget of a shutdown, {@code gateway.shutdown.budget} (25 s): the contract allows 30
 * s from SIGTERM to exit, the rest is margin for the JVM. The clock starts when the context starts
 * closing (Boot's SIGTERM hook closes it), before any lifecycle phase stops; from then on background
 * workers claim nothing new ({@link #started()}). Every wait of every component ends by one of two
 * deadlines on this clock:
 *
 * <ul>
 * <li>{@link #drainDeadline()}, budget less {@link #AFTER_DRAIN}: work in flight is finished, its
 * outcome written and the rest handed back;</li>
 * <li>{@link #finalWritesDeadline()}, budget less {@link #AFTER_FINAL_WRITES}: last writes after the
 * web server stopped; what follows (closing the pools) takes milliseconds.</li>
 * </ul>
 * See {@link ShutdownPhases} for who stops when.
 */
@Component
public final class ShutdownBudget implements ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

	private static final Logger log = LoggerFactory.getLogger(ShutdownBudget.class);

	/** Left after the drain: web server stop, last writes, pools, JVM exit. */
	static final Duration AFTER_DRAIN = Duration.ofSeconds(5);

	/** Left after the last writes: one more database attempt may still be under way (3 s connection timeout). */
	static final Duration AFTER_FINAL_WRITES = Duration.ofSeconds(3);

	private final Duration budget;

	private volatile long startedNanos;

	private volatile boolean started;

	private ApplicationContext context;

	@Autowired
	ShutdownBudget(@Value("${gateway.shutdown.budget:25s}") Duration budget,
			@Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration perPhase) {
		this(budget);
		// Spring stops waiting for a phase after this; the drain phase must be waited for to its end,
		// or the pools would close under an engine still writing outcomes.
		if (perPhase.compareTo(budget.minus(AFTER_DRAIN)) < 0) {
			throw new InvalidConfigurationException("gateway.shutdown.budget is malformed: less "
					+ AFTER_DRAIN.toSeconds() + "s it must not exceed spring.lifecycle.timeout-per-shutdown-phase");
		}
	}

	private ShutdownBudget(Duration budget) {
		if (budget == null || budget.compareTo(AFTER_DRAIN.plusSeconds(1)) < 0) {
			throw new InvalidConfigurationException(
					"gateway.shutdown.budget is malformed: it must be at least " + AFTER_DRAIN.plusSeconds(1).toSeconds() + "s");
		}
		this.budget = budget;
	}

	/** A budget of its own, for a component made by hand (tests): never started, deadlines count from now. */
	public static ShutdownBudget standalone() {
		return standalone(Duration.ofSeconds(25));
	}

	/** As {@link #standalone()}, with the given budget. */
	public static ShutdownBudget standalone(Duration budget) {
		return new ShutdownBudget(budget);
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (this.context == null || event.getApplicationContext() == this.context) {
			start();
		}
	}

	/** Starts the clock, if it is not running yet. */
	public synchronized void start() {
		if (!this.started) {
			this.startedNanos = System.nanoTime();
			this.started = true;
			log.info("Shutting down: background work stops claiming; budget {} s", this.budget.toSeconds());
		}
	}

	/** Whether a shutdown has begun: no new work may be claimed. */
	public boolean started() {
		return this.started;
	}

	public Duration budget() {
		return this.budget;
	}

	/** When work in flight must be finished or handed back ({@link System#nanoTime()} scale). */
	public long drainDeadline() {
		return deadline(AFTER_DRAIN);
	}

	/** When the last writes after the web server stopped must end ({@link System#nanoTime()} scale). */
	public long finalWritesDeadline() {
		return deadline(AFTER_FINAL_WRITES);
	}

	/** Time from now until {@code deadline}, never negative. */
	public static Duration until(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
	}

	/** Counted from the start of the shutdown; from now when none has started (a component stopped by hand). */
	private long deadline(Duration reserve) {
		long from = this.started ? this.startedNanos : System.nanoTime();
		return from + this.budget.minus(reserve).toNanos();
	}

}
