package io.c2cgateway.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket: the request line goes out byte for byte as given, so encodings no
 * client library would send (an invalid percent-encoding, a raw control character) reach the server.
 */
final class RawHttp {

	private final int port;

	RawHttp(int port) {
		this.port = port;
	}

	/** Sends one request on its own connection ({@code Connection: close}) and reads the whole answer. */
	Response send(String method, String target, Map<String, String> headers, byte[] body) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(30_000);
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			head.writeBytes((method + " " + target + " HTTP/1.1\r\n").getBytes(StandardCharsets.ISO_8859_1));
			head.writeBytes(("Host: 127.0.0.1:" + this.port + "\r\nConnection: close\r\n").getBytes(StandardCharsets.ISO_8859_1));
			headers.forEach((name, value) -> head.writeBytes((name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
			if (body != null) {
				head.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
			}
			head.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
			OutputStream out = socket.getOutputStream();
			try {
				out.write(head.toByteArray());
				if (body != null) {
					out.write(body);
				}
				out.flush();
			}
			catch (java.net.SocketException refused) {
				// The server answered and closed before taking all of it (a head or body too large): read the answer.
			}
			return Response.parse(readAll(socket.getInputStream()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(method + " "
					+ ((target.length() > 200) ? target.substring(0, 200) + "...(" + target.length() + " chars)" : target), ex);
		}
	}

	Response get(String target, String key) {
		return send("GET", target, (key != null) ? Map.of("Authorization", "Bearer " + key) : Map.of(), null);
	}

	private static byte[] readAll(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		try {
			for (int n; (n = in.read(buffer)) >= 0;) {
				all.write(buffer, 0, n);
			}
		}
		catch (java.net.SocketException reset) {
			// A server that refuses a request may reset the connection after its answer.
			if (all.size() == 0) {
				throw reset;
			}
		}
		return all.toByteArray();
	}

	record Response(int status, Map<String, String> headers, String body) {

		static Response parse(byte[] raw) {
			String text = new String(raw, StandardCharsets.ISO_8859_1);
			int end = text.indexOf("\r\n\r\n");
			if (!text.startsWith("HTTP/1.1 ") || end < 0) {
				throw new IllegalStateException("not an HTTP answer: " + text.substring(0, Math.min(200, text.length())));
			}
			String[] lines = text.substring(0, end).split("\r\n");
			int status = Integer.parseInt(lines[0].substring(9, 12));
			Map<String, String> headers = new LinkedHashMap<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
			}
			byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				rest = dechunk(rest);
			}
			return new Response(status, headers, new String(rest, StandardCharsets.UTF_8));
		}

		private static byte[] dechunk(byte[] chunked) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			int at = 0;
			while (at < chunked.length) {
				int lineEnd = indexOfCrLf(chunked, at);
				if (lineEnd < 0) {
					break;
				}
				String sizeLine = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1);
				int semicolon = sizeLine.indexOf(';');
				int size = Integer.parseInt((semicolon >= 0) ? sizeLine.substring(0, semicolon).trim() : sizeLine.trim(), 16);
				if (size == 0) {
					break;
				}
				out.write(chunked, lineEnd + 2, Math.min(size, chunked.length - lineEnd - 2));
				at = lineEnd + 2 + size + 2;
			}
			return out.toByteArray();
		}

		private static int indexOfCrLf(byte[] bytes, int from) {
			for (int i = from; i < bytes.length - 1; i++) {
				if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
					return i;
				}
			}
			return -1;
		}

		String contentType() {
			return this.headers.get("content-type");
		}

	}

}
