package dev.infini.spring.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ModifierSupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;

/**
 * One {@link RealRedis} for all the tests of a class: started before the first of them, stopped after the last.
 * <pre>{@code
 * @RealRedisExtension.PerClass
 * private static RealRedis redis;
 * }</pre>
 * It exists so that the test classes that share a Redis do not each repeat the same {@code @BeforeAll} that starts
 * it and {@code @AfterAll} that stops it. The field is filled before the class's own {@code @BeforeAll} methods run,
 * so they can connect to it, and the server is stopped after its {@code @AfterAll} methods, so they can still close
 * their clients first. Whether it is a container or a {@code redis-server} process, and that the class fails
 * without either, is {@link RealRedis#start()}'s, unchanged.
 */
public final class RealRedisExtension implements BeforeAllCallback, AfterAllCallback {

    /** Marks the static {@link RealRedis} field to fill; registers the extension. */
    @Target(ElementType.FIELD)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(RealRedisExtension.class)
    public @interface PerClass {
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            RealRedisExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        for (Field field : AnnotationSupport.findAnnotatedFields(context.getRequiredTestClass(), PerClass.class)) {
            if (!ModifierSupport.isStatic(field) || field.getType() != RealRedis.class) {
                throw new ExtensionConfigurationException("@PerClass needs a static RealRedis field: " + field);
            }
            RealRedis redis = RealRedis.start();
            context.getStore(NAMESPACE).put(field, redis);
            field.setAccessible(true);
            field.set(null, redis);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (Field field : AnnotationSupport.findAnnotatedFields(context.getRequiredTestClass(), PerClass.class)) {
            RealRedis redis = context.getStore(NAMESPACE).remove(field, RealRedis.class);
            if (redis != null) {
                redis.close();
            }
        }
    }
}
