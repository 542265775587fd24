package io.c2cgateway.system;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Runs the periodic cluster jobs ({@link ClusterJob} beans: retention, key rotation, keep-alive,
 * revocation retry, Frame.io device lookups) on db-scheduler: each job is one row of
 * {@code scheduled_tasks}, and the replica whose scheduler picks the due row (an optimistic,
 * versioned update) runs it and writes the next execution time, {@code every} after the run ended.
 * So a job runs once per period across the cluster, not once per replica; a replica that dies mid-run
 * stops heartbeating its row, and another takes the job over after {@link #DEAD_AFTER}. Per-row work
 * inside a job keeps the row leases of its feature (device refresh leases, revocation and lookup
 * leases): they are correctness, not scheduling.
 * <p>
 * Built here rather than by db-scheduler's Spring Boot starter, whose auto-configuration targets
 * Boot 3; its own shutdown hook stays off: it stops in {@link ShutdownPhases#DRAIN} like the other
 * workers, and a run under way ends by the drain deadline. A replica with no job switched on (tests)
 * builds no scheduler and polls nothing.
 */
public class ClusterJobs implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(ClusterJobs.class);

	/**
	 * How often a running job's row is touched; six missed beats (db-scheduler's least is four) and
	 * another replica revives it. Its default, 5 min, would leave a dead replica's job alone for 30 min.
	 */
	static final Duration HEARTBEAT = Duration.ofSeconds(5);

	private static final int MISSED_HEARTBEATS = 6;

	static final Duration DEAD_AFTER = HEARTBEAT.multipliedBy(MISSED_HEARTBEATS);

	/** The longest a due job waits for a replica to look; shorter periods look more often. */
	private static final Duration MAX_POLLING_INTERVAL = Duration.ofSeconds(10);

	private final DataSource dataSource;

	private final List<ClusterJob> jobs;

	private final String replica;

	private final ShutdownBudget shutdown;

	private Scheduler scheduler;

	public ClusterJobs(DataSource dataSource, List<ClusterJob> jobs, String replica, ShutdownBudget shutdown) {
		this.dataSource = dataSource;
		this.jobs = jobs.stream().filter(ClusterJob::enabled).toList();
		this.replica = replica;
		this.shutdown = shutdown;
	}

	/** The db-scheduler tasks of this replica's jobs; tests build schedulers of their own from them. */
	public List<RecurringTask<Void>> tasks() {
		return this.jobs.stream().map(this::task).toList();
	}

	private RecurringTask<Void> task(ClusterJob job) {
		return Tasks.recurring(job.name(), schedule(job))
			.execute((instance, context) -> run(job, () -> claiming(context)));
	}

	private static Schedule schedule(ClusterJob job) {
		FixedDelay every = FixedDelay.of(job.every());
		if (job.afterStart() == null) {
			return every;
		}
		// A job that is new to the database first runs afterStart from now, not at once.
		return new Schedule() {

			@Override
			public Instant getNextExecutionTime(ExecutionComplete complete) {
				return every.getNextExecutionTime(complete);
			}

			@Override
			public Instant getInitialExecutionTime(Instant now) {
				return now.plus(job.afterStart());
			}

			@Override
			public boolean isDeterministic() {
				return false;
			}

		};
	}

	private boolean claiming(ExecutionContext context) {
		return !this.shutdown.started() && !context.getSchedulerState().isShuttingDown();
	}

	private static void run(ClusterJob job, BooleanSupplier keepGoing) {
		try {
			job.round().run(keepGoing);
		}
		catch (RuntimeException ex) {
			// A failed run is logged once here and the next period retries. A bug gets its trace; an
			// outage is known and would print one per period.
			log.atWarn()
				.setCause(DatabaseUnavailable.is(ex) ? null : ex)
				.log("A {} run failed: {}", job.name(), ex.getClass().getSimpleName());
		}
	}

	@Override
	public synchronized void start() {
		if (this.scheduler != null || this.jobs.isEmpty()) {
			return;
		}
		List<RecurringTask<Void>> tasks = tasks();
		Duration polling = this.jobs.stream()
			.map(ClusterJob::every)
			.reduce(MAX_POLLING_INTERVAL, (a, b) -> (a.compareTo(b) <= 0) ? a : b);
		this.scheduler = Scheduler.create(this.dataSource)
			.startTasks(tasks)
			// One thread a job: a long retention run holds up no device lookup.
			.threads(tasks.size())
			.pollingInterval(polling)
			.heartbeatInterval(HEARTBEAT)
			.missedHeartbeatsLimit(MISSED_HEARTBEATS)
			.schedulerName(new SchedulerName.Fixed(this.replica))
			// Runs in hand are not interrupted before the drain deadline.
			.shutdownMaxWait(this.shutdown.budget().minus(ShutdownBudget.AFTER_DRAIN))
			.build();
		this.scheduler.start();
		this.jobs.stream().filter((job) -> job.afterStart() != null).forEach(this::bringForward);
	}

	private void bringForward(ClusterJob job) {
		TaskInstanceId id = TaskInstanceId.of(job.name(), RecurringTask.INSTANCE);
		// Real time, as db-scheduler keeps its rows in: the domain clock is for what is due inside a job.
		Instant soon = Instant.now().plus(job.afterStart());
		try {
			this.scheduler.getScheduledExecution(id)
				.filter((execution) -> !execution.isPicked() && execution.getExecutionTime().isAfter(soon))
				.ifPresent((execution) -> this.scheduler.reschedule(id, soon));
		}
		catch (RuntimeException ex) {
			// Running right now, or another replica moved it meanwhile: either way it runs soon enough.
			log.debug("Could not bring {} forward", job.name(), ex);
		}
	}

	/** Stops alongside the web server's graceful shutdown: a run under way ends after the work in hand. */
	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

	/** Starts no new run; reports once the runs under way ended or the drain deadline passed. */
	@Override
	public synchronized void stop(Runnable callback) {
		Scheduler stopped = this.scheduler;
		this.scheduler = null;
		if (stopped == null) {
			callback.run();
			return;
		}
		// db-scheduler's stop waits up to twice shutdownMaxWait (it interrupts in between); the phase
		// waits no longer than the drain deadline.
		CountDownLatch ended = new CountDownLatch(1);
		AsyncStop.inBackground("cluster-jobs-stop", stopped::stop, ended::countDown);
		AsyncStop.inBackground("cluster-jobs-stop-wait", () -> {
			if (!ended.await(ShutdownBudget.until(this.shutdown.drainDeadline()).toMillis(), TimeUnit.MILLISECONDS)) {
				log.warn("Cluster jobs still running at the shutdown deadline; once this process is gone their rows "
						+ "stop heartbeating and another replica takes them over");
			}
		}, callback);
	}

	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

}
