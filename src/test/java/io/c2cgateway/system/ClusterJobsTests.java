package io.c2cgateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.testhelper.ManualScheduler;
import com.github.kagkarlsson.scheduler.testhelper.SettableClock;
import com.github.kagkarlsson.scheduler.testhelper.TestHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.c2cgateway.support.StoreSlice;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster jobs' scheduling on the shared test database, with Flyway and JDBC only: replicas are
 * db-scheduler's manual schedulers over {@link ClusterJobs#tasks()}, on one settable clock, so due
 * times are exact and each round runs in the test's threads. Not in a test transaction: the
 * schedulers commit on connections of their own, as in production.
 */
@StoreSlice
@Transactional(propagation = Propagation.NOT_SUPPORTED)
class ClusterJobsTests {

	private static final Duration EVERY = Duration.ofMinutes(10);

	@Autowired
	private DataSource dataSource;

	@Autowired
	private JdbcTemplate jdbc;

	private final String name = "probe-" + UUID.randomUUID();

	private final SettableClock clock = new SettableClock();

	@AfterEach
	void forgetTheJob() {
		this.jdbc.update("delete from scheduled_tasks where task_name = ?", this.name);
	}

	@Test
	void twoReplicasOnOneDatabaseRunARecurringJobOncePerDueTimeNotTwice() throws Exception {
		AtomicInteger runs = new AtomicInteger();
		ClusterJob job = ClusterJob.every(this.name, true, EVERY, (keepGoing) -> runs.incrementAndGet());
		ManualScheduler first = replica("first", job);
		ManualScheduler second = replica("second", job);
		first.start();
		second.start();
		assertThat(rows()).as("one execution row for the cluster, whoever scheduled it").isEqualTo(1);

		for (int period = 1; period <= 5; period++) {
			runTogether(first, second);
			assertThat(runs).as("runs after due time %d", period).hasValue(period);
			this.clock.tick(EVERY.dividedBy(2));
			runTogether(first, second);
			assertThat(runs).as("half a period later: not due again").hasValue(period);
			this.clock.tick(EVERY.dividedBy(2));
		}
		assertThat(rows()).isEqualTo(1);
	}

	@Test
	void aReplicaThatHasTheJobSwitchedOffLeavesItToTheOthers() throws Exception {
		AtomicInteger runs = new AtomicInteger();
		ManualScheduler on = replica("on", ClusterJob.every(this.name, true, EVERY, (keepGoing) -> runs.incrementAndGet()));
		ManualScheduler off = replica("off", ClusterJob.every(this.name, false, EVERY, (keepGoing) -> runs.incrementAndGet()));
		on.start();
		off.start();

		off.runAnyDueExecutions();
		assertThat(runs).as("not run by the replica without it").hasValue(0);
		assertThat(this.jdbc.queryForObject("select picked from scheduled_tasks where task_name = ?", Boolean.class,
				this.name)).as("nor taken from the others").isFalse();

		on.runAnyDueExecutions();
		assertThat(runs).hasValue(1);
	}

	@Test
	void aFailedRunIsLoggedAndTheJobRunsAgainAPeriodLater() throws Exception {
		AtomicInteger runs = new AtomicInteger();
		ManualScheduler replica = replica("failing", ClusterJob.every(this.name, true, EVERY, (keepGoing) -> {
			runs.incrementAndGet();
			throw new IllegalStateException("database down");
		}));
		replica.start();

		replica.runAnyDueExecutions();
		replica.runAnyDueExecutions();
		assertThat(runs).as("not retried in a loop").hasValue(1);
		this.clock.tick(EVERY);
		replica.runAnyDueExecutions();
		assertThat(runs).hasValue(2);
	}

	private ManualScheduler replica(String replica, ClusterJob job) {
		List<RecurringTask<Void>> tasks = new ClusterJobs(this.dataSource, List.of(job), replica,
				ShutdownBudget.standalone())
			.tasks();
		return TestHelper.createManualScheduler(this.dataSource)
			.clock(this.clock)
			.startTasks(tasks)
			.build();
	}

	private long rows() {
		return this.jdbc.queryForObject("select count(*) from scheduled_tasks where task_name = ?", Long.class, this.name);
	}

	/** Both replicas look for due executions at the same moment, each on a thread of its own. */
	private static void runTogether(ManualScheduler first, ManualScheduler second) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(2);
		CountDownLatch go = new CountDownLatch(1);
		try {
			List<Future<?>> rounds = new ArrayList<>();
			for (ManualScheduler replica : List.of(first, second)) {
				rounds.add(threads.submit(() -> {
					go.await();
					replica.runAnyDueExecutions();
					return null;
				}));
			}
			go.countDown();
			for (Future<?> round : rounds) {
				round.get();
			}
		}
		finally {
			threads.shutdown();
		}
	}

}
