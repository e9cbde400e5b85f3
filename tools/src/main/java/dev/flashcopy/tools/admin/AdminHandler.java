package dev.flashcopy.tools.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Serves one connection: authenticates each aggregated request, routes it, and runs the route on
 * the operations executor (routes touch the disk, the event loop must not). Requests on one
 * connection are answered in order, one at a time, as HTTP/1.1 pipelining requires; a request
 * that arrives while another runs waits in a queue. One instance per channel; its state is
 * touched only on the channel's event loop.
 *
 * <p>Buffer ownership: the aggregated request is released by {@link SimpleChannelInboundHandler}
 * when {@code channelRead0} returns, so its body is copied to a {@code byte[]} first.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private record Pending(ApiRequest request, String authorization, boolean keepAlive, boolean malformed) {}

    private final Supplier<Router> router;
    private final AdminTokens tokens;
    private final Executor operations;
    private final ApiErrors errors;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean busy;

    AdminHandler(Supplier<Router> router, AdminTokens tokens, Executor operations, ApiErrors errors) {
        this.router = router;
        this.tokens = tokens;
        this.operations = operations;
        this.errors = errors;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean malformed = req.decoderResult().isFailure();
        String path = malformed ? "" : new QueryStringDecoder(req.uri()).path();
        byte[] body = ByteBufUtil.getBytes(req.content());
        queue.add(new Pending(
                new ApiRequest(req.method().name(), path, Map.of(), body),
                req.headers().get(HttpHeaderNames.AUTHORIZATION),
                !malformed && HttpUtil.isKeepAlive(req),
                malformed));
        drain(ctx);
    }

    private void drain(ChannelHandlerContext ctx) {
        while (!busy && !queue.isEmpty()) {
            Pending p = queue.poll();
            Router.Match match = p.malformed()
                    ? null
                    : router.get().match(p.request().method(), p.request().path());
            ApiResponse refusal = refusal(p, match);
            if (refusal != null) {
                respond(ctx, p, refusal);
                continue;
            }
            ApiRequest routed = new ApiRequest(
                    p.request().method(),
                    p.request().path(),
                    match.params(),
                    p.request().body());
            busy = true;
            try {
                operations.execute(() -> {
                    ApiResponse response = invoke(match.route(), routed);
                    ctx.executor().execute(() -> {
                        busy = false;
                        respond(ctx, p, response);
                        drain(ctx);
                    });
                });
            } catch (RejectedExecutionException e) {
                busy = false;
                respond(ctx, p, ApiResponse.error(503, "the server is shutting down"));
            }
        }
    }

    /** The answers that need no executor: malformed HTTP, no token, read-only token changing things, no such route. */
    private ApiResponse refusal(Pending p, Router.Match match) {
        if (p.malformed()) {
            return ApiResponse.error(400, "malformed HTTP request");
        }
        if (match.status() == 200 && match.route().open()) {
            return null; // the dashboard's static files: no data, no token needed
        }
        AdminTokens.Grant grant = tokens.grant(p.authorization());
        if (grant == AdminTokens.Grant.NONE) {
            return new ApiResponse(
                    401,
                    new ApiResponse.ErrorBody("missing or wrong token (send 'Authorization:"
                            + " Bearer TOKEN' with the token from DATA/admin.json)"),
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        if (grant == AdminTokens.Grant.READ
                && !AdminTokens.isReadOnly(p.request().method())) {
            return ApiResponse.error(
                    403,
                    "the read-only token ('readToken' in DATA/admin.json) allows GET only;" + " "
                            + p.request().method() + " needs 'token'");
        }
        return switch (match.status()) {
            case 200 -> null;
            case 405 ->
                new ApiResponse(
                        405,
                        new ApiResponse.ErrorBody(p.request().method() + " is not allowed on "
                                + p.request().path() + " (allowed: " + match.allow() + ")"),
                        Map.of("Allow", match.allow()));
            default -> ApiResponse.error(404, "no such resource: " + p.request().path());
        };
    }

    private ApiResponse invoke(Route route, ApiRequest request) {
        try {
            return route.handler().handle(request);
        } catch (Throwable t) {
            return errors.toResponse(t);
        }
    }

    private void respond(ChannelHandlerContext ctx, Pending p, ApiResponse response) {
        var future = ctx.writeAndFlush(toHttp(response, p.keepAlive()));
        if (!p.keepAlive()) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    static FullHttpResponse toHttp(ApiResponse response, boolean keepAlive) {
        int status = response.status();
        byte[] bytes;
        String type = "application/json; charset=utf-8";
        try {
            if (response.body() instanceof ApiResponse.Raw raw) {
                bytes = raw.bytes();
                type = raw.contentType();
            } else {
                bytes = response.body() == null ? new byte[0] : ApiJson.MAPPER.writeValueAsBytes(response.body());
            }
        } catch (JsonProcessingException e) {
            // Our own records always serialise; reaching this is a bug, still answered in JSON.
            status = 500;
            bytes = "{\"error\":\"internal error: response not serialisable\"}".getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse http = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
        if (bytes.length > 0) {
            http.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        response.headers().forEach(http.headers()::set);
        HttpUtil.setContentLength(http, bytes.length);
        HttpUtil.setKeepAlive(http, keepAlive);
        if (!keepAlive) {
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return http;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection or a codec failure: nothing useful to answer, and no state to keep.
        ctx.close();
    }
}
