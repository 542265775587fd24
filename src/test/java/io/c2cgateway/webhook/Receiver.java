package io.c2cgateway.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP webhook receiver on 127.0.0.1 for tests: records every request, answers with the
 * status {@code answers} gives for the n-th request (0-based), or hangs until closed when the
 * status is {@link #HANG}, or after {@code delay}.
 */
final class Receiver implements AutoCloseable {

	static final int HANG = -1;

	private final HttpServer server;

	static final String THREAD_PREFIX = "test-receiver-";

	private final ExecutorService threads = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, THREAD_PREFIX + System.nanoTime());
		thread.setDaemon(true);
		return thread;
	});

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final CountDownLatch closed = new CountDownLatch(1);

	private volatile IntUnaryOperator answers = (n) -> 204;

	private volatile Duration delay = Duration.ZERO;

	private Receiver() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
		this.server.setExecutor(this.threads);
		this.server.createContext("/", (exchange) -> {
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			int n;
			synchronized (this.received) {
				n = this.received.size();
				this.received.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
						exchange.getRequestHeaders().getFirst("webhook-timestamp"),
						exchange.getRequestHeaders().getFirst("webhook-signature"),
						new String(body, StandardCharsets.UTF_8), System.nanoTime()));
			}
			int status = this.answers.applyAsInt(n);
			try {
				if (status == HANG) {
					this.closed.await();
					return;
				}
				if (!this.delay.isZero()) {
					Thread.sleep(this.delay.toMillis());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		this.server.start();
	}

	static Receiver start() throws IOException {
		return new Receiver();
	}

	Receiver answering(IntUnaryOperator answers) {
		this.answers = answers;
		return this;
	}

	Receiver delaying(Duration delay) {
		this.delay = delay;
		return this;
	}

	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/hook";
	}

	int port() {
		return this.server.getAddress().getPort();
	}

	List<Received> received() {
		return List.copyOf(this.received);
	}

	@Override
	public void close() {
		this.closed.countDown();
		this.server.stop(0);
		this.threads.shutdownNow();
		try {
			this.threads.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	record Received(String id, String timestamp, String signature, String body, long atNanos) {

		Map<String, String> headers() {
			return Map.of("webhook-id", this.id, "webhook-timestamp", this.timestamp, "webhook-signature",
					this.signature);
		}

	}

}
