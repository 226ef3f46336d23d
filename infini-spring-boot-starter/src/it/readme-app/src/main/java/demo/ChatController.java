package demo;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

// The README's controller, verbatim.
@RestController
class ChatController {

    private final ChatClient chat;

    ChatController(ChatClient.Builder builder) {      // the starter adds InfiniConversationAdvisor to it
        this.chat = builder.defaultSystem("You are a helpful assistant.").build();
    }

    @PostMapping("/chat/{id}")
    String chat(@PathVariable String id, @RequestBody String message) {
        return chat.prompt().user(message)
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, id))
                .call().content();
    }
}
