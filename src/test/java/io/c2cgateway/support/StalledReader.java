package io.c2cgateway.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client that asks for a resource and then never reads a byte of the answer, as a frozen or
 * wedged client does: once its small receive window and the server's send buffer are full, every
 * further write of the server to this connection blocks.
 */
public final class StalledReader implements AutoCloseable {

	/** Set before connecting, so the window the client offers stays this small. */
	private static final int RECEIVE_BUFFER = 4096;

	private final Socket socket;

	private StalledReader(Socket socket) {
		this.socket = socket;
	}

	/** Sends {@code GET path} with {@code key} and returns without reading. */
	public static StalledReader open(int port, String key, String path) {
		Socket socket = new Socket();
		try {
			socket.setReceiveBufferSize(RECEIVE_BUFFER);
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\n" + "Host: 127.0.0.1:" + port + "\r\n"
					+ "Accept: text/event-stream\r\n" + "Authorization: Bearer " + key + "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			return new StalledReader(socket);
		}
		catch (IOException ex) {
			closeQuietly(socket);
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		try {
			// A reset rather than a FIN: the server learns at once that nobody is there.
			this.socket.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// closing anyway
		}
		closeQuietly(this.socket);
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// nothing left to do
		}
	}

}
