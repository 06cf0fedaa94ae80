// Vue 3: pass the figure as a property (.prop), listen to the element's events.
// The app is created with compilerOptions.isCustomElement = (tag) => tag === 'plotly-stream'.
import { defineComponent, ref } from 'vue';
import 'plotly-stream';
import 'plotly-stream/vue';

export const LiveChart = defineComponent({
  props: { relay: { type: String, required: true } },
  setup() {
    const state = ref('idle');
    const figure = {
      data: [{ x: [], y: [], mode: 'lines', stream: { token: 'vue-demo', maxpoints: 200 } }],
      layout: { title: { text: 'Vue' } },
    };
    const onState = (event: CustomEvent<{ state: string }>) => (state.value = event.detail.state);
    return { state, figure, onState };
  },
  template: `
    <div>
      <p>relay: {{ state }}</p>
      <plotly-stream :src="relay" :figure.prop="figure" style="height: 300px" @plotly-stream-state="onState"></plotly-stream>
    </div>`,
});
