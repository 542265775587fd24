package io.c2cgateway.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's own view of the measured window: the {@code http.server.requests} histogram of its
 * Prometheus endpoint read at the window's start and end, the difference turned into percentiles
 * per route. That is the time from the gateway's outermost filter to the end of the response,
 * without the load generator, the loopback and Tomcat's queue in front of the filters: what the
 * gateway itself adds. A percentile is the upper bound of the histogram bucket it falls in.
 */
final class ServerSideLatency {

	/** The histogram the load run switches on, as {@code spring.application.json} of the gateway. */
	static final String SETTINGS = "{\"management.metrics.distribution.percentiles-histogram.http.server.requests\": true,"
			+ " \"management.metrics.distribution.minimum-expected-value.http.server.requests\": \"100us\","
			+ " \"management.metrics.distribution.maximum-expected-value.http.server.requests\": \"1s\"}";

	private static final Pattern BUCKET = Pattern
		.compile("^http_server_requests_seconds_bucket\\{(.*)\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

	private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final String prometheusUrl;

	ServerSideLatency(String managementUrl) {
		this.prometheusUrl = managementUrl + "/actuator/prometheus";
	}

	/** Cumulative counts per "METHOD uri" and bucket bound (seconds), successful answers only; empty when unreadable. */
	Map<String, TreeMap<Double, Double>> snapshot() {
		try {
			HttpResponse<String> response = this.http.send(
					HttpRequest.newBuilder(URI.create(this.prometheusUrl)).timeout(Duration.ofSeconds(5)).build(),
					HttpResponse.BodyHandlers.ofString());
			Map<String, TreeMap<Double, Double>> routes = new TreeMap<>();
			Matcher bucket = BUCKET.matcher(response.body());
			while (bucket.find()) {
				Map<String, String> labels = new TreeMap<>();
				Matcher label = LABEL.matcher(bucket.group(1));
				while (label.find()) {
					labels.put(label.group(1), label.group(2));
				}
				if (!"SUCCESS".equals(labels.get("outcome"))) {
					continue;
				}
				String le = labels.get("le");
				double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
				routes.computeIfAbsent(labels.get("method") + " " + labels.get("uri"), (route) -> new TreeMap<>())
					.merge(bound, Double.parseDouble(bucket.group(2)), Double::sum);
			}
			return routes;
		}
		catch (IOException | RuntimeException ex) {
			return Map.of();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Map.of();
		}
	}

	/** One line per route with at least 100 answers between the two snapshots. */
	static List<String> report(Map<String, TreeMap<Double, Double>> start, Map<String, TreeMap<Double, Double>> end) {
		List<String> lines = new ArrayList<>();
		end.forEach((route, buckets) -> {
			TreeMap<Double, Double> before = start.getOrDefault(route, new TreeMap<>());
			TreeMap<Double, Double> window = new TreeMap<>();
			buckets.forEach((bound, count) -> window.put(bound, count - before.getOrDefault(bound, 0.0)));
			double total = window.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
			if (total < 100) {
				return;
			}
			lines.add(String.format("gateway's own time (http.server.requests, measured window) %s: %,.0f answers, p50 %s, p95 %s, p99 %s, p99.9 %s ms",
					route, total, bound(window, total, 0.50), bound(window, total, 0.95), bound(window, total, 0.99),
					bound(window, total, 0.999)));
		});
		return lines;
	}

	private static String bound(TreeMap<Double, Double> window, double total, double quantile) {
		for (Map.Entry<Double, Double> entry : window.entrySet()) {
			if (entry.getValue() >= quantile * total) {
				return entry.getKey().isInfinite() ? "> 1000" : String.format("≤ %.2f", entry.getKey() * 1000);
			}
		}
		return "> 1000";
	}

}
