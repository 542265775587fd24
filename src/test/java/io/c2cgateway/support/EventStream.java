package io.c2cgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A client of a {@code text/event-stream}: reads it on its own thread into events, comments and its end. */
public final class EventStream implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Object END = new Object();

	private final HttpResponse<Stream<String>> response;

	private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

	private final List<String> body = new ArrayList<>();

	private EventStream(HttpResponse<Stream<String>> response) {
		this.response = response;
		if (response.statusCode() == 200) {
			Thread reader = new Thread(this::read, "event-stream-reader");
			reader.setDaemon(true);
			reader.start();
		}
		else {
			response.body().forEach(this.body::add);
		}
	}

	/** Opens {@code path} accepting only {@code text/event-stream}; returns once the headers are in. */
	public static EventStream open(int port, String key, String path) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.header("Accept", "text/event-stream")
			.header("Authorization", "Bearer " + key)
			.GET()
			.build();
		try {
			return new EventStream(HTTP.send(request, HttpResponse.BodyHandlers.ofLines()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public int status() {
		return this.response.statusCode();
	}

	public String contentType() {
		return this.response.headers().firstValue("Content-Type").orElse(null);
	}

	/** The body of an answer other than 200. */
	public String body() {
		return String.join("\n", this.body);
	}

	/** The next event, skipping comments; fails when the stream ends or nothing comes in time. */
	public Event next(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Object item = poll(deadline);
			if (item == null) {
				throw new AssertionError("no event within " + timeout);
			}
			if (item == END) {
				this.received.add(END);
				throw new AssertionError("the stream ended instead of sending an event");
			}
			if (item instanceof Event event) {
				return event;
			}
		}
	}

	/** Waits for a comment line (a keep-alive), skipping nothing else: an event first fails. */
	public String nextComment(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Object item = poll(deadline);
		if (item instanceof Comment comment) {
			return comment.text();
		}
		throw new AssertionError("expected a comment within " + timeout + " but got " + item);
	}

	/** Waits for the server to end the stream; fails if another event or nothing comes first. */
	public void awaitEnd(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Object item = poll(deadline);
			if (item == null) {
				throw new AssertionError("the stream did not end within " + timeout);
			}
			if (item == END) {
				return;
			}
			if (item instanceof Event event) {
				throw new AssertionError("expected the end of the stream but got " + event);
			}
		}
	}

	/** Waits for the stream to end, whatever events and comments come first; fails if it does not end in time. */
	public void awaitEndAfterAnyEvents(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Object item = poll(deadline);
			if (item == null) {
				throw new AssertionError("the stream did not end within " + timeout);
			}
			if (item == END) {
				this.received.add(END);
				return;
			}
		}
	}

	private Object poll(long deadline) {
		try {
			return this.received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private void read() {
		String id = null;
		String name = null;
		StringBuilder data = null;
		try {
			for (Iterator<String> lines = this.response.body().iterator(); lines.hasNext();) {
				String line = lines.next();
				if (line.isEmpty()) {
					if (data != null) {
						this.received.add(new Event(id, name, data.toString()));
					}
					id = null;
					name = null;
					data = null;
				}
				else if (line.startsWith(":")) {
					this.received.add(new Comment(value(line, 1)));
				}
				else if (line.startsWith("id:")) {
					id = value(line, 3);
				}
				else if (line.startsWith("event:")) {
					name = value(line, 6);
				}
				else if (line.startsWith("data:")) {
					data = (data == null) ? new StringBuilder() : data.append('\n');
					data.append(value(line, 5));
				}
			}
		}
		catch (RuntimeException ex) {
			// closed by the test, or the connection broke: both end the stream
		}
		this.received.add(END);
	}

	private static String value(String line, int from) {
		return (line.length() > from && line.charAt(from) == ' ') ? line.substring(from + 1) : line.substring(from);
	}

	@Override
	public void close() {
		this.response.body().close();
	}

	/** One server-sent event. */
	public record Event(String id, String name, String data) {

		public JsonNode json() {
			return JSON.readTree(this.data);
		}

	}

	private record Comment(String text) {
	}

}
