/*{
	"DESCRIPTION": "ISF v1: PERSISTENT_BUFFERS, vv_FragNormCoord, texture2D, a custom .vs with a varying",
	"CREDIT": "vjhost tests",
	"PERSISTENT_BUFFERS": ["lastFrame"],
	"PASSES": [
		{"TARGET": "lastFrame"},
		{}
	]
}*/

varying vec2 shifted;

void main() {
	if (PASSINDEX == 0) {
		vec4 old = texture2D(lastFrame, vv_FragNormCoord);
		gl_FragColor = vec4(old.rgb + vec3(0.25), 1.0);
	} else {
		// shifted == vv_FragNormCoord (set by the .vs)
		gl_FragColor = vec4(IMG_NORM_PIXEL(lastFrame, shifted).rgb, 1.0);
	}
}
