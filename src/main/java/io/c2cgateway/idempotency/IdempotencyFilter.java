package io.c2cgateway.idempotency;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.ProblemResponses;
import io.c2cgateway.system.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key} on every POST under {@code /api/v1}, scoped to the calling key. Runs
 * after the security filter chain (order -100) and the rate limit (order 0): the caller is known,
 * and requests refused before reaching here store nothing. The body is read once to hash it (the
 * body limit filter has already capped it at 1 MiB) and handed on from memory.
 */
@Component
@Order(10)
class IdempotencyFilter extends OncePerRequestFilter {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

	static final String HEADER = "Idempotency-Key";

	static final String REPLAYED = "Idempotent-Replayed";

	private final IdempotencyKeys keys;

	private final JsonMapper json;

	IdempotencyFilter(IdempotencyKeys keys, JsonMapper json) {
		this.keys = keys;
		this.json = json;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !"POST".equals(request.getMethod()) || !request.getRequestURI().startsWith("/api/v1/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String key = request.getHeader(HEADER);
		Caller caller = Caller.current().orElse(null);
		if (key == null || caller == null) {
			chain.doFilter(request, response);
			return;
		}
		if (!wellFormed(key)) {
			ProblemResponses.write(response, this.json, Problems.of(HttpStatus.BAD_REQUEST, "validation_failed",
					"The request breaks a rule of the API", Map.of("errors",
							List.of(new FieldProblem(HEADER, "must be 1 to 255 printable ASCII characters")))),
					null);
			return;
		}
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readAllBytes();
		}
		catch (IOException unreadable) {
			// Too large or cut off: the request fails as it would without a key, and nothing is kept.
			chain.doFilter(new CachedBodyRequest(request, null, unreadable), response);
			return;
		}
		IdempotencyKeys.Decision decision;
		try {
			decision = this.keys.decide(caller.keyId(), key, hash(request, body));
		}
		catch (RuntimeException ex) {
			if (DatabaseUnavailable.is(ex)) {
				log.warn("Idempotency-Key could not be checked: the database is unavailable ({})", ex.getClass().getSimpleName());
				ProblemResponses.write(response, this.json, DomainProblems.problemOf(DatabaseUnavailable.refusal()), DatabaseUnavailable.RETRY_AFTER);
				return;
			}
			// A stored answer that no listed key opens, or a bug: the type alone, as elsewhere.
			log.error("Idempotency-Key could not be handled: {}", ex.getClass().getName());
			ProblemResponses.write(response, this.json, Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
					"The gateway failed to handle the request"), null);
			return;
		}
		if (decision instanceof IdempotencyKeys.Decision.Run run) {
			run(request, response, chain, caller, key, body, run);
		}
		else if (decision instanceof IdempotencyKeys.Decision.Replay replay) {
			response.setStatus(replay.status());
			if (replay.contentType() != null) {
				response.setContentType(replay.contentType());
			}
			response.setHeader(REPLAYED, "true");
			response.setContentLength(replay.body().length);
			response.getOutputStream().write(replay.body());
		}
		else if (decision instanceof IdempotencyKeys.Decision.Mismatch) {
			ProblemResponses.write(response, this.json, Problems.of(HttpStatus.UNPROCESSABLE_CONTENT,
					"idempotency_key_reused", "This Idempotency-Key was used for a different request"), null);
		}
		else {
			ProblemResponses.write(response, this.json, Problems.of(HttpStatus.CONFLICT,
					"idempotency_request_in_progress", "A request with this Idempotency-Key is still running"), null);
		}
	}

	private void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Caller caller,
			String key, byte[] body, IdempotencyKeys.Decision.Run run) throws ServletException, IOException {
		ContentCachingResponseWrapper captured = new ContentCachingResponseWrapper(response);
		boolean finished = false;
		try {
			chain.doFilter(new CachedBodyRequest(request, body, null), captured);
			String cacheControl = captured.getHeader(HttpHeaders.CACHE_CONTROL);
			this.keys.finish(caller.keyId(), key, run.claim(), captured.getStatus(), captured.getContentType(),
					captured.getContentAsByteArray(), cacheControl != null && cacheControl.contains("no-store"));
			finished = true;
		}
		finally {
			if (!finished) {
				this.keys.abandon(caller.keyId(), key, run.claim());
			}
			captured.copyBodyToResponse();
		}
	}

	/** 1-255 printable ASCII characters. */
	static boolean wellFormed(String key) {
		if (key.isEmpty() || key.length() > 255) {
			return false;
		}
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (c < 0x20 || c > 0x7E) {
				return false;
			}
		}
		return true;
	}

	/** Method, path and body: a key reused on another path counts as a different body. */
	static String hash(HttpServletRequest request, byte[] body) {
		return hash(request.getMethod(), request.getRequestURI(), request.getQueryString(), body);
	}

	static String hash(String method, String path, String query, byte[] body) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(method.getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
			digest.update(path.getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
			digest.update(((query != null) ? query : "").getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
			digest.update(body);
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Serves a body already read into memory, or the failure reading it met. */
	private static final class CachedBodyRequest extends HttpServletRequestWrapper {

		private final byte[] body;

		private final IOException failure;

		CachedBodyRequest(HttpServletRequest request, byte[] body, IOException failure) {
			super(request);
			this.body = body;
			this.failure = failure;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (this.failure != null) {
				throw this.failure;
			}
			ByteArrayInputStream in = new ByteArrayInputStream(this.body);
			return new ServletInputStream() {

				@Override
				public int read() {
					return in.read();
				}

				@Override
				public int read(byte[] buffer, int off, int len) {
					return in.read(buffer, off, len);
				}

				@Override
				public boolean isFinished() {
					return in.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					throw new UnsupportedOperationException("the body is already in memory");
				}

			};
		}

		@Override
		public BufferedReader getReader() throws IOException {
			String encoding = getCharacterEncoding();
			return new BufferedReader(new InputStreamReader(getInputStream(),
					(encoding != null) ? Charset.forName(encoding) : StandardCharsets.UTF_8));
		}

		@Override
		public int getContentLength() {
			return (this.body != null) ? this.body.length : super.getContentLength();
		}

		@Override
		public long getContentLengthLong() {
			return (this.body != null) ? this.body.length : super.getContentLengthLong();
		}

	}

}
