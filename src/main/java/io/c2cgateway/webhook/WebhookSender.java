package io.c2cgateway.webhook;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends one delivery over non-blocking HTTP (Reactor Netty, the engine under WebClient): no thread
 * waits for a receiver, so one that hangs holds a connection until the timeout and nothing else.
 * Names are resolved by {@link TargetPolicy} at connect time and only addresses it permits are
 * connected to: the address checked is the address used (no DNS rebinding between check and connect).
 */
final class WebhookSender {

	private final HttpClient http;

	private final Duration timeout;

	private final TargetPolicy policy;

	WebhookSender(TargetPolicy policy, WebhookProperties properties) {
		this.policy = policy;
		this.timeout = properties.timeout();
		ConnectionProvider connections = ConnectionProvider.builder("webhooks")
			.maxConnections(properties.maxConcurrent())
			.pendingAcquireMaxCount(-1)
			.maxIdleTime(Duration.ofSeconds(30))
			.build();
		this.http = HttpClient.create(connections)
			.resolver(new PolicyResolverGroup(policy))
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
			.responseTimeout(properties.timeout())
			.followRedirect(false);
	}

	/** Posts {@code body}; the answer's status code, or an error (timeout, refused address, connection). */
	Mono<Integer> send(String url, String id, long timestamp, String signature, String body) {
		URI uri = URI.create(url);
		String host = (uri.getHost() != null) ? uri.getHost().replace("[", "").replace("]", "") : "";
		if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
			// An address literal never reaches the resolver below: it is judged here.
			try {
				if (this.policy.permitted(host).isEmpty()) {
					return Mono.error(new RefusedAddressException());
				}
			}
			catch (UnknownHostException ex) {
				return Mono.error(ex);
			}
		}
		return this.http
			.headers((headers) -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json")
				.set(HttpHeaderNames.USER_AGENT, "c2c-gateway-webhooks")
				.set("webhook-id", id)
				.set("webhook-timestamp", Long.toString(timestamp))
				.set("webhook-signature", signature))
			.post()
			.uri(uri)
			.send(ByteBufFlux.fromString(Mono.just(body)))
			// The body is drained and released; only the status counts.
			.response()
			.map((response) -> response.status().code())
			.timeout(this.timeout, Mono.error(() -> new TimeoutException("no answer within " + this.timeout)));
	}

	/** Why an attempt failed, in a few words and without the URL (it may carry a token). */
	static String describe(Throwable error) {
		Throwable cause = error;
		while (cause.getCause() != null && cause.getCause() != cause
				&& !(cause instanceof RefusedAddressException || cause instanceof TimeoutException)) {
			cause = cause.getCause();
		}
		if (cause instanceof RefusedAddressException) {
			return "refused_address: the host resolves to no permitted address";
		}
		if (cause instanceof TimeoutException || cause instanceof io.netty.handler.timeout.ReadTimeoutException
				|| error instanceof TimeoutException) {
			return "timeout";
		}
		if (cause instanceof UnknownHostException) {
			return "unknown_host";
		}
		if (cause instanceof java.net.ConnectException || cause.getClass().getSimpleName().contains("Connect")) {
			return "connection_failed";
		}
		if (cause instanceof javax.net.ssl.SSLException) {
			return "tls_failed";
		}
		return "error: " + cause.getClass().getSimpleName();
	}

	static final class RefusedAddressException extends UnknownHostException {

		RefusedAddressException() {
			super("no permitted address");
		}

	}

	/** Netty's resolver hook: every connection of this client resolves through the policy. */
	private static final class PolicyResolverGroup extends AddressResolverGroup<InetSocketAddress> {

		private final TargetPolicy policy;

		PolicyResolverGroup(TargetPolicy policy) {
			this.policy = policy;
		}

		@Override
		protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
			return new PolicyNameResolver(executor, this.policy).asAddressResolver();
		}

	}

	private static final class PolicyNameResolver extends InetNameResolver {

		private final TargetPolicy policy;

		PolicyNameResolver(EventExecutor executor, TargetPolicy policy) {
			super(executor);
			this.policy = policy;
		}

		@Override
		protected void doResolve(String host, Promise<InetAddress> promise) {
			try {
				List<InetAddress> permitted = this.policy.permitted(host);
				if (permitted.isEmpty()) {
					promise.setFailure(new RefusedAddressException());
				}
				else {
					promise.setSuccess(permitted.get(0));
				}
			}
			catch (UnknownHostException ex) {
				promise.setFailure(ex);
			}
		}

		@Override
		protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
			try {
				List<InetAddress> permitted = this.policy.permitted(host);
				if (permitted.isEmpty()) {
					promise.setFailure(new RefusedAddressException());
				}
				else {
					promise.setSuccess(permitted);
				}
			}
			catch (UnknownHostException ex) {
				promise.setFailure(ex);
			}
		}

	}

}
