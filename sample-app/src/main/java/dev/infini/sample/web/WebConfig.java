package dev.infini.sample.web;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.infini.sample.config.SampleProperties;
import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/** The API's guard, its strict JSON, and Tomcat's own errors as problems (static beans: the JSON mapper needs them). */
@Configuration(proxyBeanMethods = false)
class WebConfig implements WebMvcConfigurer {

    private final ApiKeyInterceptor apiKeys;

    WebConfig(SampleProperties properties, JsonMapper json) {
        this.apiKeys = new ApiKeyInterceptor(properties, json);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        if (apiKeys.enabled()) {
            // /api/info tells the page whether to ask for a key, so it stays open.
            registry.addInterceptor(apiKeys).addPathPatterns("/api/**").excludePathPatterns("/api/info");
        }
    }

    /**
     * Boot's dispatcher servlet, except that TRACE goes through Spring MVC only: no handler takes it, so it is a
     * 405 problem naming the path's methods. The servlet's own TRACE would echo the request, API key included.
     */
    @Bean(name = DispatcherServletAutoConfiguration.DEFAULT_DISPATCHER_SERVLET_BEAN_NAME)
    static DispatcherServlet dispatcherServlet() {
        DispatcherServlet servlet = new DispatcherServlet() {
            @Override
            protected void doTrace(HttpServletRequest request, HttpServletResponse response)
                    throws ServletException, IOException {
                processRequest(request, response);
            }
        };
        servlet.setDispatchTraceRequest(true);
        return servlet;
    }

    /** A number or a boolean where the API expects text ({@code {"message": 123}}) is refused, not converted. */
    @Bean
    static JsonMapperBuilderCustomizer strictText() {
        return builder -> builder.withCoercionConfig(LogicalType.Textual, config -> config
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    }

    /**
     * Replaces Tomcat's HTML error report (and Boot's plain one) on the host with {@link ProblemJsonErrorReportValve},
     * and lets TRACE reach Spring MVC.
     */
    @Bean
    static WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> problemJsonErrorReports() {
        return factory -> {
            // Tomcat would refuse TRACE itself, with an Allow header listing every method the servlet has; let it
            // through to the dispatcher below, which answers the path's real methods.
            factory.addConnectorCustomizers(connector -> connector.setAllowTrace(true));
            factory.addContextCustomizers(context -> {
                Host host = (Host) context.getParent();
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve && !(valve instanceof ProblemJsonErrorReportValve)) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                if (host instanceof StandardHost standard) {
                    standard.setErrorReportValveClass(ProblemJsonErrorReportValve.class.getName());
                }
            });
        };
    }
}
