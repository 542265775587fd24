package io.c2cgateway.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine a benchmark ran on, printed before its figures: on a shared box the figures mean
 * little without the cores and how busy they already were.
 */
public final class BenchmarkMachine {

	private BenchmarkMachine() {
	}

	/** One line: cores, load averages (1, 5, 15 min) before the run, JDK. */
	public static String describe() {
		return "machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average " + loadAverage()
				+ " (before the run), JDK " + Runtime.version();
	}

	public static void print(String benchmark) {
		System.out.println("=== " + benchmark + " === " + describe());
	}

	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " / " + fields[1] + " / " + fields[2];
		}
		catch (IOException | RuntimeException notLinux) {
			return String.format("%.2f (1 min)", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

}
