package io.c2cgateway.console;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import org.springframework.web.util.HtmlUtils;

import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.stats.StatsService;

/**
 * The overview's chart of pairings finished per hour, stacked by outcome, drawn on the server as
 * SVG: no script, no charting library, and it prints. Colours are set as SVG attributes because the
 * console's content security policy refuses inline styles.
 */
final class FleetChart {

	/** Outcome, legend label and a colour with at least 4.5:1 contrast on white. */
	static final List<Series> SERIES = List.of(new Series(PairingStatus.AUTHORIZED.name(), "Authorized", "#0a6b2d"),
			new Series(PairingStatus.EXPIRED.name(), "Expired", "#5c5c5c"),
			new Series(PairingStatus.DENIED.name(), "Denied", "#8a4b00"),
			new Series(PairingStatus.FAILED.name(), "Failed", "#a50e0e"),
			new Series(PairingStatus.CANCELLED.name(), "Cancelled", "#3b4cc0"));

	private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

	private static final int WIDTH = 680;

	private static final int HEIGHT = 200;

	private static final int LEFT = 40;

	private static final int BOTTOM = 28;

	private static final int TOP = 12;

	private FleetChart() {
	}

	static String svg(List<StatsService.Hour> hours) {
		long max = Math.max(1, hours.stream().mapToLong(StatsService.Hour::total).max().orElse(0));
		double plot = HEIGHT - BOTTOM - TOP;
		double slot = (double) (WIDTH - LEFT - 8) / Math.max(1, hours.size());
		double bar = Math.max(2, slot * 0.7);
		long total = hours.stream().mapToLong(StatsService.Hour::total).sum();
		StringBuilder svg = new StringBuilder();
		svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 ")
			.append(WIDTH).append(' ').append(HEIGHT).append("\" aria-labelledby=\"chart-title\">")
			.append("<title id=\"chart-title\">Pairings finished per hour over the last ").append(hours.size())
			.append(" hours (UTC), by outcome: ").append(total).append(" in all</title>");
		// Axis and the top value, so a bar's height reads as a number.
		int baseline = HEIGHT - BOTTOM;
		svg.append(line(LEFT, TOP, LEFT, baseline)).append(line(LEFT, baseline, WIDTH - 4, baseline));
		svg.append(text(LEFT - 6, TOP + 10, "end", Long.toString(max))).append(text(LEFT - 6, baseline, "end", "0"));
		for (int i = 0; i < hours.size(); i++) {
			StatsService.Hour hour = hours.get(i);
			double x = LEFT + 4 + i * slot + (slot - bar) / 2;
			double y = baseline;
			StringBuilder tip = new StringBuilder(HOUR.format(hour.start()) + " UTC:");
			for (Series series : SERIES) {
				long n = hour.finished().getOrDefault(series.status(), 0L);
				if (n == 0) {
					continue;
				}
				tip.append(' ').append(n).append(' ').append(series.label().toLowerCase(Locale.ROOT)).append(',');
				double h = plot * n / max;
				y -= h;
				svg.append(String.format(Locale.ROOT,
						"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-status=\"%s\"/>", x,
						y, bar, h, series.colour(), series.status()));
			}
			if (hour.total() > 0) {
				// One invisible hit area per hour carries the hover text for the whole stack.
				svg.append(String.format(Locale.ROOT,
						"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"transparent\"><title>%s</title></rect>",
						x, TOP, bar, plot, HtmlUtils.htmlEscape(tip.substring(0, tip.length() - 1))));
			}
			if (i % 3 == 0) {
				svg.append(text(x + bar / 2, HEIGHT - 8, "middle", HOUR.format(hour.start())));
			}
		}
		return svg.append("</svg>").toString();
	}

	private static String line(int x1, int y1, int x2, int y2) {
		return "<line x1=\"" + x1 + "\" y1=\"" + y1 + "\" x2=\"" + x2 + "\" y2=\"" + y2 + "\" stroke=\"#444\"/>";
	}

	private static String text(double x, double y, String anchor, String value) {
		return String.format(Locale.ROOT,
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" fill=\"#222\">%s</text>", x, y, anchor,
				HtmlUtils.htmlEscape(value));
	}

	record Series(String status, String label, String colour) {
	}

}
